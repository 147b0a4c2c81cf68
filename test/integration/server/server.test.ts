/**
 * The browser-mode server over real HTTP and WebSocket connections, against a small fake engine host (real
 * files: a photo folder, a thumbnail cache and a built-interface folder in a temp dir).
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import http from 'node:http'
import type { Socket } from 'node:net'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { MediaSource } from '../../../src/host/media-source.js'
import { startServer, type RunningServer } from '../../../src/server/server.js'
import {
  ContractError,
  type EngineApi,
  type EngineEvent,
  type MethodName,
  type ReplyMessage,
} from '../../../src/shared/contract.js'
import { tempDir } from '../support.js'

const ELECTRON_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types vue"
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta
      http-equiv="Content-Security-Policy"
      content="${ELECTRON_CSP}"
    />
    <title>Tessera</title>
    <script type="module" crossorigin src="./assets/app.js"></script>
  </head>
  <body><div id="app"></div></body>
</html>
`
const APP_JS = 'console.log("tessera")\n'
const SECRET = 'the contents of a file outside every served folder'

let base: string
let server: RunningServer
let port: number
let token: string
let jpegBytes: Buffer
let thumbBytes: Buffer
const photos = new Map<string, string>()
const thumbs = new Map<string, string>()
const ids = { jpeg: randomUUID(), tiff: randomUUID(), escaping: randomUUID(), unknown: randomUUID() }
const calls: Array<{ method: string; args: unknown }> = []
const listeners = new Set<(event: EngineEvent) => void>()

const source: MediaSource = {
  photoPath: async (id) => (photos.has(id) ? { path: photos.get(id)!, format: null } : null),
  thumbPath: async (id) => thumbs.get(id) ?? null,
  roots: () => [path.join(base, 'photos')],
  get thumbsDir() {
    return path.join(base, 'library', 'thumbs')
  },
}

/** A fake engine host: a few methods answer, one fails with a code, one with a plain error. */
async function fakeCall(method: MethodName, args: unknown): Promise<unknown> {
  calls.push({ method, args })
  switch (method) {
    case 'app.info':
      return {
        version: '0.0.0-test',
        mode: 'browser',
        library: base,
        native: { pickFolder: false, showInFolder: false },
      }
    case 'albums.create':
      return { id: 'album-1', name: (args as [string])[0], count: 0, cover: null, updatedAt: 1 }
    case 'library.photo':
      throw new ContractError('That photo is no longer in the library.', 'not-found')
    case 'index.start':
      throw new Error('The disk is full.')
    case 'groups.list':
      throw new Error(
        `lance error: LanceError(IO): Unable to open file ${base}/library/db/photos.lance/data/0.lance: Too many open files (os error 24), /root/.cargo/registry/src/lance-io/src/local.rs:120:31`,
      )
    case 'heads.list':
      throw new TypeError("Cannot read properties of undefined (reading 'path')")
    default:
      return null
  }
}

const service: EngineApi & { media(): MediaSource } = {
  call: fakeCall as EngineApi['call'],
  subscribe(listener) {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
  media: () => source,
}

function emit(event: EngineEvent): void {
  for (const listener of listeners) listener(event)
}

interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** One request with the path sent exactly as written (no client-side `..` normalisation). */
function request(
  target: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

const origin = (): string => `http://127.0.0.1:${port}`

/** The HTTP status a WebSocket upgrade gets (101 when it opens). */
function upgradeStatus(target: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${target}`, options)
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!)
      res.resume()
      ws.terminate()
    })
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', (error) => reject(error))
  })
}

const sockets: WebSocket[] = []

function connect(options: WebSocket.ClientOptions = { origin: origin() }, target = `/ws?token=${token}`) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${target}`, options)
    sockets.push(ws)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function nextMessage(ws: WebSocket, matching: (m: Record<string, unknown>) => boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000)
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>
      if (!matching(message)) return
      clearTimeout(timer)
      ws.off('message', onMessage)
      resolve(message)
    }
    ws.on('message', onMessage)
  })
}

let nextId = 1
async function call(ws: WebSocket, method: string, args: unknown): Promise<ReplyMessage> {
  const id = nextId++
  const reply = nextMessage(ws, (m) => m.kind === 'reply' && m.id === id)
  ws.send(JSON.stringify({ kind: 'call', id, method, args }))
  return (await reply) as ReplyMessage
}

beforeAll(async () => {
  base = await fs.realpath(await tempDir('server'))
  const photosDir = path.join(base, 'photos')
  const thumbsDir = path.join(base, 'library', 'thumbs')
  const rendererDir = path.join(base, 'renderer')
  const outside = path.join(base, 'outside')
  for (const dir of [photosDir, thumbsDir, path.join(rendererDir, 'assets'), outside]) {
    await fs.mkdir(dir, { recursive: true })
  }
  await fs.writeFile(path.join(rendererDir, 'index.html'), INDEX_HTML)
  await fs.writeFile(path.join(rendererDir, 'assets', 'app.js'), APP_JS)
  await fs.writeFile(path.join(rendererDir, 'assets', 'app.css'), 'body{}')
  await fs.writeFile(path.join(base, 'package.json'), SECRET)
  await fs.writeFile(path.join(outside, 'secret.txt'), SECRET)
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(rendererDir, 'assets', 'leak.js'))

  const pixels = { width: 40, height: 30, channels: 3 as const, background: { r: 10, g: 120, b: 200 } }
  jpegBytes = await sharp({ create: pixels }).jpeg().toBuffer()
  thumbBytes = await sharp({ create: pixels }).webp().toBuffer()
  await fs.writeFile(path.join(photosDir, 'a.jpg'), jpegBytes)
  photos.set(ids.jpeg, path.join(photosDir, 'a.jpg'))
  await fs.writeFile(path.join(photosDir, 'b.tiff'), await sharp({ create: pixels }).tiff().toBuffer())
  photos.set(ids.tiff, path.join(photosDir, 'b.tiff'))
  await fs.writeFile(path.join(outside, 'c.jpg'), jpegBytes)
  await fs.symlink(path.join(outside, 'c.jpg'), path.join(photosDir, 'c.jpg'))
  photos.set(ids.escaping, path.join(photosDir, 'c.jpg'))
  await fs.writeFile(path.join(thumbsDir, 'a.webp'), thumbBytes)
  thumbs.set(ids.jpeg, path.join(thumbsDir, 'a.webp'))
  await fs.writeFile(path.join(outside, 'c.webp'), thumbBytes)
  await fs.symlink(path.join(outside, 'c.webp'), path.join(thumbsDir, 'c.webp'))
  thumbs.set(ids.escaping, path.join(thumbsDir, 'c.webp'))

  server = await startServer({ service, rendererDir, maxClients: 100 })
  port = server.port
  token = server.token
})

afterAll(async () => {
  for (const ws of sockets) ws.terminate()
  await server?.close()
  await fs.rm(base, { recursive: true, force: true })
})

describe('startup', () => {
  it('listens on 127.0.0.1 with a random 256-bit token in the printed URL', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${token}`)
    expect(port).toBeGreaterThan(0)
  })

  it('refuses a token that is not URL- and cookie-safe', async () => {
    await expect(startServer({ service, rendererDir: base, token: 'a b;c' })).rejects.toThrow(/token/)
  })
})

describe('access token', () => {
  it('answers 401 without a token, everywhere', async () => {
    for (const target of [
      '/',
      '/index.html',
      '/assets/app.js',
      '/assets/x.js',
      `/media/photo/${ids.jpeg}`,
      '/ws',
    ]) {
      const res = await request(target)
      expect(res.status, target).toBe(401)
      expect(res.headers['content-type']).toContain('text/plain')
      expect(res.body.toString()).toMatch(/Unauthorized/)
    }
    expect(await upgradeStatus('/ws', { origin: origin() })).toBe(401)
  })

  it('answers 401 for a wrong token, in the query or the cookie', async () => {
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    expect((await request(`/?token=${wrong}`)).status).toBe(401)
    expect((await request('/?token=')).status).toBe(401)
    expect((await request(`/media/photo/${ids.jpeg}?token=short`)).status).toBe(401)
    expect((await request('/assets/app.js', { headers: { Cookie: `tessera_token=${wrong}` } })).status).toBe(
      401,
    )
    // A wrong token in the query is not rescued by a right cookie.
    const cookie = `tessera_token=${token}`
    expect((await request(`/?token=${wrong}`, { headers: { Cookie: cookie } })).status).toBe(401)
    expect(await upgradeStatus(`/ws?token=${wrong}`, { origin: origin() })).toBe(401)
  })

  it('sets an HttpOnly SameSite=Strict cookie when the page is opened with the token, which then suffices', async () => {
    const page = await request(`/?token=${token}`)
    expect(page.status).toBe(200)
    const setCookie = page.headers['set-cookie']?.[0] ?? ''
    expect(setCookie).toMatch(new RegExp(`^tessera_token=${token};`))
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Strict')
    expect(setCookie).toContain('Path=/')
    const cookie = setCookie.split(';')[0]!
    const headers = { Cookie: `other=1; ${cookie}` }
    const js = await request('/assets/app.js', { headers })
    expect([js.status, js.body.toString()]).toEqual([200, APP_JS])
    expect((await request(`/media/photo/${ids.jpeg}`, { headers })).status).toBe(200)
    // The cookie is only set by the page opened with the token.
    expect((await request('/', { headers })).headers['set-cookie']).toBeUndefined()
    const ws = await connect({ origin: origin(), headers })
    expect((await call(ws, 'app.info', [])).ok).toBe(true)
  })
})

describe('Host and Origin checks', () => {
  it('refuses (403) a Host other than 127.0.0.1:<port> or localhost:<port>', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      '127.0.0.1',
      `127.0.0.1:${port + 1}`,
      `[::1]:${port}`,
    ]) {
      const res = await request(`/?token=${token}`, { headers: { Host: host } })
      expect(res.status, host).toBe(403)
    }
    expect((await request(`/?token=${token}`, { headers: { Host: `localhost:${port}` } })).status).toBe(200)
    expect(
      await upgradeStatus(`/ws?token=${token}`, { origin: origin(), headers: { Host: 'evil.example' } }),
    ).toBe(403)
  })

  it('refuses (403) WebSocket upgrades from another origin, or with none', async () => {
    expect(await upgradeStatus(`/ws?token=${token}`, { origin: 'http://evil.example' })).toBe(403)
    expect(await upgradeStatus(`/ws?token=${token}`, { origin: `http://127.0.0.1:${port + 1}` })).toBe(403)
    expect(await upgradeStatus(`/ws?token=${token}`, { origin: `https://127.0.0.1:${port}` })).toBe(403)
    expect(await upgradeStatus(`/ws?token=${token}`)).toBe(403)
    expect(await upgradeStatus(`/ws?token=${token}`, { origin: origin() })).toBe(101)
    expect(await upgradeStatus(`/ws?token=${token}`, { origin: `http://localhost:${port}` })).toBe(101)
  })

  it('upgrades only /ws', async () => {
    expect(await upgradeStatus(`/other?token=${token}`, { origin: origin() })).toBe(404)
  })

  it('refuses (403) cross-site requests on every HTTP route, even with a valid cookie', async () => {
    const cookie = `tessera_token=${token}`
    const routes = [
      '/',
      '/index.html',
      '/albums',
      '/assets/app.js',
      `/media/photo/${ids.jpeg}`,
      `/media/thumb/${ids.jpeg}`,
    ]
    const foreign: Array<Record<string, string>> = [
      { Origin: 'http://evil.com' },
      { Origin: 'null' },
      { Origin: `http://127.0.0.1:${port + 1}` },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { Origin: origin(), 'Sec-Fetch-Site': 'cross-site' },
    ]
    for (const route of routes) {
      for (const headers of foreign) {
        const res = await request(route, { headers: { Cookie: cookie, ...headers } })
        expect(res.status, `${route} ${JSON.stringify(headers)}`).toBe(403)
        expect(res.body.toString()).not.toContain(SECRET)
      }
      const sameOrigin: Array<Record<string, string>> = [
        {},
        { 'Sec-Fetch-Site': 'same-origin', Origin: origin() },
        { 'Sec-Fetch-Site': 'same-origin' },
        { 'Sec-Fetch-Site': 'none' },
        { Origin: `http://localhost:${port}` },
      ]
      for (const headers of sameOrigin) {
        const res = await request(route, { headers: { Cookie: cookie, ...headers } })
        expect(res.status, `${route} ${JSON.stringify(headers)}`).toBe(200)
      }
    }
    // The token in the URL does not make a cross-site request acceptable either.
    const typed = await request(`/?token=${token}`, { headers: { 'Sec-Fetch-Site': 'cross-site' } })
    expect(typed.status).toBe(403)
    expect(typed.headers['set-cookie']).toBeUndefined()
  })

  it('refuses (403) a WebSocket upgrade marked cross-site even with the right Origin', async () => {
    expect(
      await upgradeStatus(`/ws?token=${token}`, {
        origin: origin(),
        headers: { 'Sec-Fetch-Site': 'cross-site' },
      }),
    ).toBe(403)
  })
})

describe('static files', () => {
  it('serves index.html with the browser-mode CSP as header and meta tag', async () => {
    const res = await request(`/?token=${token}`)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; ` +
        `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; base-uri 'none'; form-action 'none'; ` +
        `frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types vue`,
    )
    const html = res.body.toString()
    expect(html).not.toContain(ELECTRON_CSP)
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)" \/>/.exec(html)?.[1]
    // The meta tag carries the same policy except frame-ancestors, which browsers ignore in a meta tag.
    expect(meta).toBe(csp.replace(" frame-ancestors 'none';", ''))
    expect(html).toContain('<script type="module" crossorigin src="./assets/app.js"></script>')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['cache-control']).toBe('no-store')
    expect((await request(`/index.html?token=${token}`)).body.toString()).toBe(html)
  })

  it('serves assets with their content types', async () => {
    const js = await request(`/assets/app.js?token=${token}`)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['x-content-type-options']).toBe('nosniff')
    const css = await request(`/assets/app.css?token=${token}`)
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8'])
    const head = await request(`/assets/app.js?token=${token}`, { method: 'HEAD' })
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([
      200,
      String(APP_JS.length),
      0,
    ])
  })

  it('falls back to index.html for GET of app routes only', async () => {
    const route = await request(`/albums/123?token=${token}`)
    expect([route.status, route.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8'])
    expect(route.body.toString()).toContain('<div id="app">')
    expect((await request(`/assets/missing.js?token=${token}`)).status).toBe(404)
    expect((await request(`/assets/later?token=${token}`)).status).toBe(404)
    expect((await request(`/favicon.ico?token=${token}`)).status).toBe(404)
    expect((await request(`/albums/123?token=${token}`, { method: 'HEAD' })).status).toBe(404)
    expect((await request(`/?token=${token}`, { method: 'POST' })).status).toBe(405)
    expect((await request(`/ws?token=${token}`)).status).toBe(426)
  })

  it('refuses path traversal, raw or encoded, and links out of the folder', async () => {
    const attempts = [
      '/assets/../../package.json',
      '/assets/../../outside/secret.txt',
      '/../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/%2E%2E/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/..%5c..%5cpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/app.js%00.png',
      '/assets/%E0%A4%A',
      '/assets/leak.js',
      `/${encodeURIComponent(path.join(base, 'package.json'))}`,
      '//etc/passwd',
    ]
    for (const attempt of attempts) {
      const sep = attempt.includes('?') ? '&' : '?'
      const res = await request(`${attempt}${sep}token=${token}`)
      expect(res.body.toString(), attempt).not.toContain(SECRET)
      expect(res.body.toString(), attempt).not.toContain('root:')
      expect([404, 403, 400], attempt).toContain(res.status)
    }
  })
})

describe('media', () => {
  const get = (target: string, method = 'GET') => request(`${target}?token=${token}`, { method })

  it('serves a photo inside a root as is', async () => {
    const res = await get(`/media/photo/${ids.jpeg}`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('image/jpeg')
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.body.equals(jpegBytes)).toBe(true)
  })

  it('serves a thumbnail from the thumbnail cache', async () => {
    const res = await get(`/media/thumb/${ids.jpeg}`)
    expect([res.status, res.headers['content-type']]).toEqual([200, 'image/webp'])
    expect(res.body.equals(thumbBytes)).toBe(true)
  })

  it('serves a TIFF as a JPEG preview', async () => {
    const res = await get(`/media/photo/${ids.tiff}`)
    expect([res.status, res.headers['content-type']]).toEqual([200, 'image/jpeg'])
    const meta = await sharp(res.body).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 40, 30])
  })

  it('answers 404 for unknown ids, kinds and shapes', async () => {
    for (const target of [
      `/media/photo/${ids.unknown}`,
      `/media/thumb/${ids.tiff}`,
      `/media/original/${ids.jpeg}`,
      '/media/photo/not-an-id',
      `/media/photo/${ids.jpeg}/x`,
      '/media/photo',
      '/media',
    ]) {
      expect((await get(target)).status, target).toBe(404)
    }
  })

  it('refuses traversal attempts in media URLs', async () => {
    for (const target of [
      '/media/photo/..%2F..%2Fetc%2Fpasswd',
      '/media/photo/..%2f..%2f..%2fpackage.json',
      '/media/thumb/../../x',
      '/media/thumb/../../package.json',
      '/media/photo/%2e%2e/%2e%2e/etc/passwd',
      '/media/photo/%252e%252e%252fpackage.json',
      '/media/photo/..%5c..%5cpackage.json',
      `/media/photo/${ids.jpeg}%00`,
    ]) {
      const res = await get(target)
      expect([403, 404], target).toContain(res.status)
      expect(res.body.toString(), target).not.toContain(SECRET)
      expect(res.body.toString(), target).not.toContain('root:')
    }
  })

  it('refuses (403) a photo linked from inside a root to a file outside', async () => {
    const res = await get(`/media/photo/${ids.escaping}`)
    expect(res.status).toBe(403)
    expect(res.body.equals(jpegBytes)).toBe(false)
  })

  it('refuses (403) a thumbnail linked out of the thumbnail cache', async () => {
    expect((await get(`/media/thumb/${ids.escaping}`)).status).toBe(403)
  })

  it('allows GET and HEAD only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await get(`/media/photo/${ids.jpeg}`, method)
      expect(res.status, method).toBe(405)
      expect(res.headers.allow).toBe('GET, HEAD')
    }
    const head = await get(`/media/photo/${ids.jpeg}`, 'HEAD')
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([
      200,
      String(jpegBytes.length),
      0,
    ])
  })
})

describe('WebSocket contract', () => {
  it('round-trips a call', async () => {
    const ws = await connect()
    const reply = await call(ws, 'app.info', [])
    expect(reply).toMatchObject({
      kind: 'reply',
      ok: true,
      result: { version: '0.0.0-test', mode: 'browser' },
    })
    const created = await call(ws, 'albums.create', ['  Trips '])
    // The arguments the service sees are the validated ones (zod trims the name).
    expect(created).toMatchObject({ ok: true, result: { name: 'Trips' } })
    expect(calls.at(-1)).toEqual({ method: 'albums.create', args: ['Trips'] })
  })

  it('answers invalid arguments with bad-args and keeps the socket open', async () => {
    const ws = await connect()
    const before = calls.length
    const reply = await call(ws, 'albums.create', [42])
    expect(reply.ok).toBe(false)
    if (reply.ok) return
    expect(reply.error.code).toBe('bad-args')
    expect(reply.error.message).toMatch(/^Invalid arguments for albums.create/)
    expect((await call(ws, 'library.photo', ['../../etc/passwd'])).ok).toBe(false)
    expect(calls.length).toBe(before) // the service never saw them
    expect(ws.readyState).toBe(WebSocket.OPEN)
    expect((await call(ws, 'app.info', [])).ok).toBe(true)
  })

  it('answers an unknown method with bad-method', async () => {
    const ws = await connect()
    for (const method of ['no.such', '__proto__', 'constructor', 'toString']) {
      const reply = await call(ws, method, [])
      expect(reply.ok || reply.error.code, method).toBe('bad-method')
    }
  })

  it('answers malformed frames with bad-message and survives them', async () => {
    const ws = await connect()
    for (const frame of [
      'not json',
      '42',
      'null',
      '{"kind":"event","id":3}',
      '{"kind":"call","method":"app.info"}',
    ]) {
      const reply = nextMessage(ws, (m) => m.kind === 'reply')
      ws.send(frame)
      const message = (await reply) as ReplyMessage
      expect(message.ok || message.error.code, frame).toBe('bad-message')
    }
    const binary = nextMessage(ws, (m) => m.kind === 'reply')
    ws.send(Buffer.from(JSON.stringify({ kind: 'call', id: 99, method: 'app.info', args: [] })))
    expect(await binary).toMatchObject({ id: 99, ok: false, error: { code: 'bad-message' } })
    expect((await call(ws, 'app.info', [])).ok).toBe(true)
  })

  it('passes the engine errors on as plain messages with their code', async () => {
    const ws = await connect()
    expect(await call(ws, 'library.photo', [ids.unknown])).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: 'That photo is no longer in the library.' },
    })
    const failed = await call(ws, 'index.start', [])
    expect(failed).toMatchObject({ ok: false, error: { code: 'engine-error', message: 'The disk is full.' } })
    expect(JSON.stringify(failed)).not.toContain('at ')
  })

  it('never sends internal text: a database error becomes busy, a programming error internal', async () => {
    const ws = await connect()
    const lance = await call(ws, 'groups.list', [])
    expect(lance).toMatchObject({ ok: false, error: { code: 'busy' } })
    const bug = await call(ws, 'heads.list', [])
    expect(bug).toMatchObject({ ok: false, error: { code: 'internal' } })
    for (const reply of [lance, bug]) {
      expect(JSON.stringify(reply)).not.toMatch(/lance|os error|cargo|\.rs|undefined|reading|\//i)
    }
  })

  it('refuses a call larger than its method allows (payload-too-large), and the socket goes on', async () => {
    const ws = await connect()
    const name = 'n'.repeat(70 * 1024)
    expect(await call(ws, 'albums.create', [name])).toMatchObject({
      ok: false,
      error: { code: 'payload-too-large' },
    })
    expect(calls.some((c) => c.method === 'albums.create' && (c.args as string[])[0] === name)).toBe(false)
    expect((await call(ws, 'app.info', [])).ok).toBe(true)
  })

  it('carries a large drop-search image in one frame', async () => {
    const ws = await connect()
    const base64 = Buffer.alloc(6 * 1024 * 1024, 7).toString('base64')
    const reply = await call(ws, 'search.image', [{ name: 'drop.jpg', base64 }, 10, {}])
    expect(reply.ok).toBe(true)
    expect((calls.at(-1)?.args as [{ base64: string }])[0].base64.length).toBe(base64.length)
  })

  it('broadcasts engine events to every socket', async () => {
    const [a, b] = await Promise.all([connect(), connect()])
    const event: EngineEvent = { type: 'library', version: 7 }
    const got = Promise.all([a, b].map((ws) => nextMessage(ws, (m) => m.kind === 'event')))
    emit(event)
    expect(await got).toEqual([
      { kind: 'event', event },
      { kind: 'event', event },
    ])
  })
})

describe('limits', () => {
  it('runs a bounded number of calls, queues a bounded number, answers the rest busy at once', async () => {
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    let started = 0
    const slow: EngineApi & { media(): MediaSource } = {
      call: (async () => {
        started++
        await held
        return 'done'
      }) as EngineApi['call'],
      subscribe: () => () => undefined,
      media: () => source,
    }
    const limited = await startServer({
      service: slow,
      rendererDir: path.join(base, 'renderer'),
      limits: { inFlight: 2, perConnectionInFlight: 2, queue: 3, perConnectionQueue: 3 },
    })
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${limited.port}/ws?token=${limited.token}`, {
        origin: `http://127.0.0.1:${limited.port}`,
      })
      sockets.push(ws)
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      const replies: ReplyMessage[] = []
      ws.on('message', (data) => replies.push(JSON.parse(String(data)) as ReplyMessage))
      for (let id = 1; id <= 20; id++) {
        ws.send(JSON.stringify({ kind: 'call', id, method: 'library.status', args: [] }))
      }
      // 2 run, 3 wait, 15 are refused without waiting for the others.
      const until = Date.now() + 30_000
      while (replies.length < 15 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      expect(replies).toHaveLength(15)
      expect(replies.every((r) => !r.ok && r.error.code === 'busy')).toBe(true)
      expect(started).toBe(2)
      expect(limited.stats()).toMatchObject({ running: 2, waiting: 3, refused: 15 })
      release()
      while (replies.length < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      expect(replies.filter((r) => r.ok)).toHaveLength(5)
      expect(new Set(replies.map((r) => r.id)).size).toBe(20)
      ws.terminate()
    } finally {
      await limited.close()
    }
  })
})

describe('clients that flood', () => {
  it('refuses (503) WebSocket clients beyond the limit', async () => {
    const few = await startServer({ service, rendererDir: path.join(base, 'renderer'), maxClients: 2 })
    try {
      const url = `/ws?token=${few.token}`
      const open = (): Promise<WebSocket> =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${few.port}${url}`, {
            origin: `http://127.0.0.1:${few.port}`,
          })
          sockets.push(ws)
          ws.once('open', () => resolve(ws)).once('error', reject)
        })
      const [a] = await Promise.all([open(), open()])
      const third = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${few.port}${url}`, {
          origin: `http://127.0.0.1:${few.port}`,
        })
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!))
        ws.on('error', () => undefined)
      })
      expect(third).toBe(503)
      a!.close()
      await new Promise((r) => a!.once('close', r))
      const until = Date.now() + 10_000
      while (few.stats().clients > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      await open() // a place is free again
    } finally {
      await few.close()
    }
  })

  it('prepares at most 4 media answers at once; the other requests wait, none is refused', async () => {
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    let started = 0
    const slowSource: MediaSource = {
      ...source,
      photoPath: async (id) => {
        started++
        await held
        return source.photoPath(id)
      },
    }
    const media = await startServer({
      service: { ...service, media: () => slowSource },
      rendererDir: path.join(base, 'renderer'),
    })
    try {
      const get = () =>
        new Promise<number>((resolve, reject) => {
          http
            .get(
              {
                host: '127.0.0.1',
                port: media.port,
                path: `/media/photo/${ids.jpeg}?token=${media.token}`,
                agent: false,
              },
              (res) => {
                res.resume()
                res.on('end', () => resolve(res.statusCode!))
              },
            )
            .on('error', reject)
        })
      const answers = Promise.all(Array.from({ length: 12 }, get))
      const until = Date.now() + 30_000
      while (started < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 200))
      expect(started).toBe(4)
      release()
      expect(await answers).toEqual(Array.from({ length: 12 }, () => 200))
      expect(started).toBe(12)
    } finally {
      await media.close()
    }
  })

  it('stops reading a client that does not read its replies, and reads it again once it does', async () => {
    const ws = await connect()
    const socket = (ws as unknown as { _socket: Socket })._socket
    socket.pause() // this client reads nothing for now
    const frame = JSON.stringify({ kind: 'call', id: 1, method: 'app.info', args: [] })
    let sent = 0
    // Replies pile up in the server's buffers until it stops reading this socket.
    while (server.stats().paused === 0 && sent < 2_000_000) {
      for (let i = 0; i < 2000; i++) ws.send(frame)
      sent += 2000
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(server.stats().paused).toBe(1)
    expect(sent).toBeLessThan(2_000_000)
    let replies = 0
    ws.on('message', () => replies++)
    socket.resume()
    const until = Date.now() + 120_000
    while (replies < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect(replies).toBe(sent)
    expect(server.stats().paused).toBe(0)
    ws.terminate()
  }, 180_000)
})

describe('close', () => {
  it('closes the sockets and the server, and stops listening to the engine', async () => {
    const extra = await startServer({
      service,
      rendererDir: path.join(base, 'renderer'),
      token: 'test-token-1',
    })
    expect(extra.url).toBe(`http://127.0.0.1:${extra.port}/?token=test-token-1`)
    const subscribed = listeners.size
    const ws = new WebSocket(`ws://127.0.0.1:${extra.port}/ws?token=test-token-1`, {
      origin: `http://127.0.0.1:${extra.port}`,
    })
    await new Promise((resolve) => ws.once('open', resolve))
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    await extra.close()
    expect(await closed).toBe(1001)
    expect(listeners.size).toBe(subscribed - 1)
    await expect(fetch(`http://127.0.0.1:${extra.port}/?token=test-token-1`)).rejects.toThrow()
    await extra.close() // twice is fine
  })
})
