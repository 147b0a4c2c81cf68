import fs from 'node:fs/promises'
import path from 'node:path'
import WebSocket from 'ws'
import { expect, test } from './fixtures'

test('requests without the token are refused: page, assets, media and the WebSocket', async ({
  browser,
  tessera,
}) => {
  await tessera.addPhotosAndWait()
  const { ids } = await tessera.api<{ ids: string[] }>('library.timeline')
  // A fresh context: no cookie from an earlier visit.
  const context = await browser.newContext()
  const page = await context.newPage()
  const noToken = await page.goto(`${tessera.origin}/`)
  expect(noToken?.status()).toBe(401)
  await expect(page.locator('#app')).toHaveCount(0)
  expect((await page.goto(`${tessera.origin}/?token=${'x'.repeat(43)}`))?.status()).toBe(401)
  for (const p of [`/media/thumb/${ids[0]}`, `/media/photo/${ids[0]}`, '/assets/index.js']) {
    expect((await context.request.get(`${tessera.origin}${p}`)).status(), p).toBe(401)
  }
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://${new URL(tessera.origin).host}/ws`, { origin: tessera.origin })
    ws.on('open', () => resolve('open'))
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)))
    ws.on('error', () => resolve('error'))
  })
  expect(refused).toBe('401')
  // With the token the same page opens (control: the refusals above are about the token).
  expect((await page.goto(tessera.url))?.status()).toBe(200)
  await expect(page.getByTestId('grid-photo').first()).toBeVisible()
  await context.close()
})

test('the photo protocol refuses paths outside the roots, traversal and other methods', async ({
  page,
  tessera,
}) => {
  // A secret beside the photos folder, and a link to it planted inside the folder.
  const secret = path.join(path.dirname(tessera.photosDir), 'secret.jpg')
  await fs.copyFile(path.join(tessera.photosDir, (await fs.readdir(tessera.photosDir))[0]!), secret)
  await tessera.addPhotosAndWait()
  await page.goto(tessera.url)
  const { ids } = await tessera.api<{ ids: string[] }>('library.timeline')
  const ok = await page.request.get(`${tessera.origin}/media/photo/${ids[0]}`)
  expect(ok.status()).toBe(200)
  expect(ok.headers()['content-type']).toMatch(/^image\//)

  const attempts = [
    '/media/photo/..%2F..%2F..%2Fetc%2Fpasswd',
    '/media/photo/%2e%2e/%2e%2e/etc/passwd',
    '/media/thumb/..%2Flibrary.json',
    `/media/file/${encodeURIComponent(secret)}`,
    `/media/photo/${encodeURIComponent(secret)}`,
    `/media/photo/${ids[0]}/..%2F..%2Fsecret.jpg`,
    '/media/photo/00000000-0000-4000-8000-000000000000',
    '/assets/..%2F..%2Fpackage.json',
    '/..%2F..%2Fpackage.json',
  ]
  for (const attempt of attempts) {
    const res = await page.request.get(`${tessera.origin}${attempt}`)
    const body = await res.body()
    // Refused, or (when the client itself normalised `..` away) the app's own page: never the file.
    if (res.status() === 200) {
      expect(res.headers()['content-type'], attempt).toMatch(/^text\/html/)
      expect(body.toString(), attempt).toContain('<div id="app">')
    } else {
      expect([403, 404], attempt).toContain(res.status())
    }
    expect(body.includes(Buffer.from('root:')), attempt).toBe(false)
    expect(body.includes(Buffer.from('"dependencies"')), attempt).toBe(false)
  }
  for (const method of ['POST', 'PUT', 'DELETE'] as const) {
    const res = await page.request.fetch(`${tessera.origin}/media/photo/${ids[0]}`, { method })
    expect(res.status(), method).toBe(405)
  }

  // A photo swapped for a link that escapes the root after indexing: refused, though the id is known.
  const victim = (await tessera.api<{ path: string }>('library.photo', ids[1])).path
  await fs.rm(victim)
  await fs.symlink(secret, victim)
  const escaped = await page.request.get(`${tessera.origin}/media/photo/${ids[1]}`)
  expect(escaped.status()).toBe(403)
})

test('the page runs under a strict Content-Security-Policy', async ({ page, tessera }) => {
  const response = await page.goto(tessera.url)
  const csp = response?.headers()['content-security-policy'] ?? ''
  expect(csp).toContain("default-src 'none'")
  expect(csp).toContain("script-src 'self'")
  expect(csp).not.toContain('unsafe-eval')
  // An inline script injected into the page must not run.
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script')
    ;(window as unknown as { injected?: boolean }).injected = false
    try {
      s.textContent = 'window.injected = true'
    } catch {
      return 'blocked by trusted types'
    }
    document.body.append(s)
    await new Promise((r) => setTimeout(r, 50))
    return (window as unknown as { injected?: boolean }).injected ? 'ran' : 'blocked'
  })
  expect(ran).not.toBe('ran')
})
