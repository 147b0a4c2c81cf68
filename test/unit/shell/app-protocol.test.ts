import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentTypeFor, createAppProtocolHandler, resolveAppAsset } from '../../../src/main/app-protocol'

let root: string
let outside: string

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'tessera-protocol-'))
  root = join(outside, 'renderer')
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>')
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)')
  await writeFile(join(outside, 'secret.txt'), 'secret')
})

afterAll(async () => {
  await rm(outside, { recursive: true, force: true })
})

describe('resolveAppAsset', () => {
  it('maps app://tessera paths into the root, / to index.html', () => {
    expect(resolveAppAsset('app://tessera/', root)).toBe(join(root, 'index.html'))
    expect(resolveAppAsset('app://tessera/index.html', root)).toBe(join(root, 'index.html'))
    expect(resolveAppAsset('app://tessera/assets/app.js?v=1#x', root)).toBe(join(root, 'assets', 'app.js'))
    expect(resolveAppAsset('app://tessera/assets/my%20file.js', root)).toBe(
      join(root, 'assets', 'my file.js'),
    )
  })

  it('lets URL parsing clamp plain dot segments at the root', () => {
    expect(resolveAppAsset('app://tessera/../secret.txt', root)).toBe(join(root, 'secret.txt'))
    expect(resolveAppAsset('app://tessera/%2e%2e/%2E%2E/secret.txt', root)).toBe(join(root, 'secret.txt'))
  })

  it.each([
    'app://tessera/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://tessera/..%2fsecret.txt',
    'app://tessera/..%5csecret.txt',
    'app://tessera/assets%5c..%5c..%5csecret.txt',
    'app://tessera/index.html%00.js',
    'app://tessera/%E0%A4%A',
    'app://other/index.html',
    'app://tessera:8080/index.html',
    'file:///etc/passwd',
    'https://tessera/index.html',
    'garbage',
  ])('refuses %s', (url) => {
    expect(resolveAppAsset(url, root)).toBeNull()
  })
})

describe('contentTypeFor', () => {
  it('knows the renderer asset types and falls back to opaque bytes', () => {
    expect(contentTypeFor('a/index.html')).toBe('text/html; charset=utf-8')
    expect(contentTypeFor('a/x.JS')).toBe('text/javascript; charset=utf-8')
    expect(contentTypeFor('a/x.css')).toBe('text/css; charset=utf-8')
    expect(contentTypeFor('a/x.unknown')).toBe('application/octet-stream')
  })
})

describe('createAppProtocolHandler', () => {
  const csp = "default-src 'none'"
  const handler = () => createAppProtocolHandler({ rootDir: root, csp })

  it('serves files with their type, the CSP and nosniff', async () => {
    const response = await handler()(new Request('app://tessera/assets/app.js'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(response.headers.get('content-security-policy')).toBe(csp)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await response.text()).toBe('console.log(1)')
  })

  it('answers HEAD without a body', async () => {
    const response = await handler()(new Request('app://tessera/', { method: 'HEAD' }))
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })

  it('404s escapes, folders and missing files, still with the CSP', async () => {
    const urls = [
      'app://tessera/..%2fsecret.txt',
      'app://tessera/../secret.txt',
      'app://tessera/assets',
      'app://tessera/x.js',
    ]
    for (const url of urls) {
      const response = await handler()(new Request(url))
      expect(response.status, url).toBe(404)
      expect(response.headers.get('content-security-policy')).toBe(csp)
      expect(await response.text()).not.toContain('secret')
    }
  })

  it('refuses methods other than GET and HEAD', async () => {
    const response = await handler()(new Request('app://tessera/index.html', { method: 'POST', body: 'x' }))
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD')
  })
})
