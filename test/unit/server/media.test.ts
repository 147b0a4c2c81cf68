import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeHeicWorkers } from '../../../src/engine/decode/heic-worker-pool.js'
import type { MediaSource } from '../../../src/host/media-source.js'
import {
  MEDIA_CACHE_CONTROL,
  PREVIEW_LONG_SIDE,
  isInside,
  resolveMedia,
  toWebResponse,
  writeMediaResponse,
  type MediaResponse,
} from '../../../src/host/media.js'
import { HEIC_FIXTURE } from '../../fixtures/bad-inputs.js'

let base: string
let root: string
let thumbsDir: string
let outside: string
let jpegBytes: Buffer
let thumbBytes: Buffer

const photos = new Map<string, { path: string; format: string | null }>()
const thumbs = new Map<string, string>()
const ids = {
  jpeg: randomUUID(),
  png: randomUUID(),
  tiff: randomUUID(),
  tiffBig: randomUUID(),
  heic: randomUUID(),
  escaping: randomUUID(),
  inside: randomUUID(),
  missing: randomUUID(),
  dir: randomUUID(),
  broken: randomUUID(),
  unknown: randomUUID(),
}

const source: MediaSource = {
  photoPath: async (id) => photos.get(id) ?? null,
  thumbPath: async (id) => thumbs.get(id) ?? null,
  roots: () => [root, path.join(base, 'not-there')],
  get thumbsDir() {
    return thumbsDir
  },
}

function body(result: MediaResponse): Promise<Buffer> {
  if (result.status !== 200) throw new Error(`refused ${result.status}: ${result.reason}`)
  return result.body.kind === 'buffer' ? Promise.resolve(result.body.data) : fs.readFile(result.body.path)
}

beforeAll(async () => {
  base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-media-')))
  root = path.join(base, 'photos')
  thumbsDir = path.join(base, 'library', 'thumbs')
  outside = path.join(base, 'outside')
  await Promise.all([root, thumbsDir, outside].map((d) => fs.mkdir(d, { recursive: true })))

  const pixels = { width: 64, height: 48, channels: 3 as const, background: { r: 200, g: 40, b: 10 } }
  jpegBytes = await sharp({ create: pixels }).jpeg().toBuffer()
  thumbBytes = await sharp({ create: pixels }).webp().toBuffer()

  const add = async (id: string, name: string, bytes: Buffer | null, format: string | null) => {
    const file = path.join(root, name)
    if (bytes) await fs.writeFile(file, bytes)
    photos.set(id, { path: file, format })
    return file
  }
  await add(ids.jpeg, 'a.jpg', jpegBytes, 'jpeg')
  // The stored format is not trusted: the bytes decide (a PNG named .jpg is served as PNG).
  await add(ids.png, 'really-png.jpg', await sharp({ create: pixels }).png().toBuffer(), 'jpeg')
  await add(ids.tiff, 'c.tif', await sharp({ create: pixels }).tiff().toBuffer(), 'tiff')
  // 3000 × 1000, EXIF orientation 6 (turn 90° clockwise): upright it is 1000 × 3000.
  const big = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: '#3080c0' } })
    .withMetadata({ orientation: 6 })
    .tiff()
    .toBuffer()
  await add(ids.tiffBig, 'big.tiff', big, 'tiff')
  await add(ids.heic, 'scene.heic', await fs.readFile(HEIC_FIXTURE), 'heic')
  await add(ids.broken, 'broken.tif', Buffer.from('II*\0 this is not really a tiff'), 'tiff')

  await fs.writeFile(path.join(outside, 'secret.jpg'), jpegBytes)
  await fs.symlink(path.join(outside, 'secret.jpg'), path.join(root, 'escape.jpg'))
  photos.set(ids.escaping, { path: path.join(root, 'escape.jpg'), format: 'jpeg' })
  await fs.symlink(path.join(root, 'a.jpg'), path.join(root, 'link-inside.jpg'))
  photos.set(ids.inside, { path: path.join(root, 'link-inside.jpg'), format: 'jpeg' })
  photos.set(ids.missing, { path: path.join(root, 'gone.jpg'), format: 'jpeg' })
  await fs.mkdir(path.join(root, 'folder.jpg'))
  photos.set(ids.dir, { path: path.join(root, 'folder.jpg'), format: 'jpeg' })

  await fs.mkdir(path.join(thumbsDir, 'ab'))
  await fs.writeFile(path.join(thumbsDir, 'ab', 'x.webp'), thumbBytes)
  thumbs.set(ids.jpeg, path.join(thumbsDir, 'ab', 'x.webp'))
  await fs.writeFile(path.join(outside, 'x.webp'), thumbBytes)
  await fs.symlink(path.join(outside, 'x.webp'), path.join(thumbsDir, 'ab', 'escape.webp'))
  thumbs.set(ids.escaping, path.join(thumbsDir, 'ab', 'escape.webp'))
  // A photo file is not a thumbnail: the thumbnail gate only opens on the thumbnail cache.
  thumbs.set(ids.tiff, path.join(root, 'a.jpg'))
})

afterAll(async () => {
  await closeHeicWorkers()
  await fs.rm(base, { recursive: true, force: true })
})

describe('resolveMedia', () => {
  it('serves a JPEG inside a root as is, with cache and nosniff headers', async () => {
    const result = await resolveMedia(source, 'photo', ids.jpeg)
    expect(result.status).toBe(200)
    if (result.status !== 200) return
    expect(result.contentType).toBe('image/jpeg')
    expect(result.body.kind).toBe('file')
    expect(result.headers['Cache-Control']).toBe(MEDIA_CACHE_CONTROL)
    expect(result.headers['X-Content-Type-Options']).toBe('nosniff')
    expect((await body(result)).equals(jpegBytes)).toBe(true)
  })

  it('names the type by the bytes, not the stored format or the name', async () => {
    const result = await resolveMedia(source, 'photo', ids.png)
    expect(result.status === 200 && result.contentType).toBe('image/png')
  })

  it('serves thumbnails from the thumbnail cache', async () => {
    const result = await resolveMedia(source, 'thumb', ids.jpeg, { method: 'HEAD' })
    expect(result.status === 200 && result.contentType).toBe('image/webp')
    expect((await body(result)).equals(thumbBytes)).toBe(true)
  })

  it('follows links that stay inside a root', async () => {
    const result = await resolveMedia(source, 'photo', ids.inside)
    expect((await body(result)).equals(jpegBytes)).toBe(true)
  })

  it('refuses (403) a photo whose link leads outside the roots', async () => {
    const result = await resolveMedia(source, 'photo', ids.escaping)
    expect(result.status).toBe(403)
  })

  it('refuses (403) a thumbnail whose link leads outside the thumbnail cache', async () => {
    expect((await resolveMedia(source, 'thumb', ids.escaping)).status).toBe(403)
  })

  it('refuses (403) a thumbnail path outside the cache, even inside a root', async () => {
    expect((await resolveMedia(source, 'thumb', ids.tiff)).status).toBe(403)
  })

  it('answers 404 for unknown ids, non-ids, unknown kinds, missing files and folders', async () => {
    const cases: Array<[string, string]> = [
      ['photo', ids.unknown],
      ['thumb', ids.unknown],
      ['photo', '../../etc/passwd'],
      ['photo', `${ids.jpeg}/../x`],
      ['photo', ''],
      ['original', ids.jpeg],
      ['photo', ids.missing],
      ['photo', ids.dir],
    ]
    for (const [kind, id] of cases) {
      const result = await resolveMedia(source, kind, id)
      expect(result.status, `${kind}/${id}`).toBe(404)
      expect(result.status !== 200 && result.headers['Cache-Control']).toBe('no-store')
    }
  })

  it('allows GET and HEAD only (405 with Allow)', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const result = await resolveMedia(source, 'photo', ids.jpeg, { method })
      expect(result.status).toBe(405)
      expect(result.headers.Allow).toBe('GET, HEAD')
    }
  })

  it('converts a TIFF to a JPEG preview', async () => {
    const result = await resolveMedia(source, 'photo', ids.tiff)
    expect(result.status === 200 && result.contentType).toBe('image/jpeg')
    const meta = await sharp(await body(result)).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 64, 48])
  })

  it('turns the preview upright and bounds its long side', async () => {
    const result = await resolveMedia(source, 'photo', ids.tiffBig)
    const meta = await sharp(await body(result)).metadata()
    expect(meta.format).toBe('jpeg')
    expect(meta.height).toBe(PREVIEW_LONG_SIDE)
    expect(Math.abs(meta.width! - PREVIEW_LONG_SIDE / 3)).toBeLessThanOrEqual(1)
  })

  it('converts a HEIC with the engine decoder', async () => {
    const result = await resolveMedia(source, 'photo', ids.heic)
    expect(result.status === 200 && result.contentType).toBe('image/jpeg')
    const meta = await sharp(await body(result)).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240])
  })

  it('answers 500 (not a crash) for a photo that cannot be converted', async () => {
    const result = await resolveMedia(source, 'photo', ids.broken)
    expect(result.status).toBe(500)
  })

  it('answers 500 when the source itself fails', async () => {
    const failing: MediaSource = { ...source, photoPath: () => Promise.reject(new Error('db closed')) }
    expect((await resolveMedia(failing, 'photo', ids.jpeg)).status).toBe(500)
  })
})

describe('isInside', () => {
  it('is strict: the folder itself, parents and look-alike siblings are outside', () => {
    expect(isInside('/a/b', '/a/b/c.jpg')).toBe(true)
    expect(isInside('/a/b', '/a/b/..c.jpg')).toBe(true)
    expect(isInside('/a/b', '/a/b')).toBe(false)
    expect(isInside('/a/b', '/a/bc/d.jpg')).toBe(false)
    expect(isInside('/a/b', '/a/c.jpg')).toBe(false)
  })
})

describe('toWebResponse', () => {
  it('streams a file with its headers', async () => {
    const response = toWebResponse(await resolveMedia(source, 'photo', ids.jpeg))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/jpeg')
    expect(response.headers.get('content-length')).toBe(String(jpegBytes.length))
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await response.arrayBuffer()).equals(jpegBytes)).toBe(true)
  })

  it('sends converted bytes, refusals as text, and no body for HEAD', async () => {
    const preview = toWebResponse(await resolveMedia(source, 'photo', ids.tiff))
    expect((await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).format).toBe('jpeg')
    const refused = toWebResponse(await resolveMedia(source, 'photo', ids.escaping))
    expect(refused.status).toBe(403)
    expect(refused.headers.get('content-type')).toContain('text/plain')
    expect(await refused.text()).not.toContain(outside)
    const head = toWebResponse(await resolveMedia(source, 'photo', ids.jpeg, { method: 'HEAD' }), 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const post = toWebResponse(await resolveMedia(source, 'photo', ids.jpeg, { method: 'POST' }), 'POST')
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
  })
})

describe('writeMediaResponse', () => {
  it('writes status, headers and bytes to a Node response', async () => {
    const server = http.createServer((req, res) => {
      const [, kind = '', id = ''] = (req.url ?? '').split('/')
      void resolveMedia(source, kind, id, { method: req.method }).then((result) =>
        writeMediaResponse(res, result, req.method, { 'X-Extra': '1' }),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/photo/${ids.jpeg}`)
      expect(ok.status).toBe(200)
      expect(ok.headers.get('x-extra')).toBe('1')
      expect(ok.headers.get('cache-control')).toBe(MEDIA_CACHE_CONTROL)
      expect(Buffer.from(await ok.arrayBuffer()).equals(jpegBytes)).toBe(true)
      const refused = await fetch(`http://127.0.0.1:${port}/photo/${ids.escaping}`)
      expect(refused.status).toBe(403)
      expect(refused.headers.get('cache-control')).toBe('no-store')
      const head = await fetch(`http://127.0.0.1:${port}/photo/${ids.jpeg}`, { method: 'HEAD' })
      expect([head.status, head.headers.get('content-length')]).toEqual([200, String(jpegBytes.length)])
      const del = await fetch(`http://127.0.0.1:${port}/photo/${ids.jpeg}`, { method: 'DELETE' })
      expect(del.status).toBe(405)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
