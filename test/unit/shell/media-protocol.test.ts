import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { MediaKind } from '../../../src/shared/contract'
import type { MediaAnswer } from '../../../src/main/engine-wire'
import { createMediaProtocolHandler } from '../../../src/main/media-protocol'
import { buildMediaUrl } from '../../../src/main/media-url'

const ID = '0b9e6f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b'
const CACHE = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, max-age=300' }
let dir: string
let photo: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-media-'))
  photo = join(dir, 'photo.jpg')
  await writeFile(photo, Buffer.from('jpeg bytes'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function handlerAnswering(answer: MediaAnswer | Error) {
  const resolve = vi.fn((_kind: MediaKind, _id: string) =>
    answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer),
  )
  return { resolve, handle: createMediaProtocolHandler({ resolve, warn: () => {} }) }
}

describe('createMediaProtocolHandler', () => {
  it('streams the file the engine host checked, with its type and length', async () => {
    const { resolve, handle } = handlerAnswering({
      status: 200,
      contentType: 'image/jpeg',
      body: { kind: 'file', path: photo, size: 999 },
      headers: CACHE,
    })
    const response = await handle(new Request(buildMediaUrl('photo', ID)))
    expect(resolve).toHaveBeenCalledWith('photo', ID)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/jpeg')
    expect(response.headers.get('content-length')).toBe('10') // the file's size now, not the size reported
    expect(response.headers.get('cache-control')).toBe('private, max-age=300')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await response.text()).toBe('jpeg bytes')
  })

  it('answers converted previews from their bytes', async () => {
    const data = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 4)
    const { handle } = handlerAnswering({
      status: 200,
      contentType: 'image/jpeg',
      body: { kind: 'buffer', data },
      headers: CACHE,
    })
    const response = await handle(new Request(buildMediaUrl('photo', ID)))
    expect(response.headers.get('content-length')).toBe('3')
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([2, 3, 4])
  })

  it('passes refusals on as plain text, uncached', async () => {
    const { handle } = handlerAnswering({
      status: 403,
      reason: "Outside the library's folders.",
      headers: {},
    })
    const response = await handle(new Request(buildMediaUrl('thumb', ID)))
    expect(response.status).toBe(403)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.text()).toBe("Outside the library's folders.")
  })

  it('404s a file that vanished after the check', async () => {
    const { handle } = handlerAnswering({
      status: 200,
      contentType: 'image/jpeg',
      body: { kind: 'file', path: join(dir, 'gone.jpg'), size: 1 },
      headers: CACHE,
    })
    expect((await handle(new Request(buildMediaUrl('photo', ID)))).status).toBe(404)
  })

  it('503s when the engine cannot answer', async () => {
    const { handle } = handlerAnswering(new Error('engine crashed'))
    expect((await handle(new Request(buildMediaUrl('thumb', ID)))).status).toBe(503)
  })

  it('answers GET only', async () => {
    const { resolve, handle } = handlerAnswering({ status: 404, reason: 'x', headers: {} })
    for (const method of ['HEAD', 'POST', 'PUT', 'DELETE']) {
      const init = method === 'POST' || method === 'PUT' ? { method, body: 'x' } : { method }
      const response = await handle(new Request(buildMediaUrl('photo', ID), init))
      expect(response.status, method).toBe(405)
      expect(response.headers.get('allow')).toBe('GET')
    }
    expect(resolve).not.toHaveBeenCalled()
  })

  it.each([
    'tessera-media://media/photo/not-a-uuid',
    'tessera-media://media/photo/..%2F..%2Fetc%2Fpasswd',
    `tessera-media://media/file/${ID}`,
    `tessera-media://other/photo/${ID}`,
    `tessera-media://media/photo/${ID}/x`,
  ])('404s %s without asking the engine', async (url) => {
    const { resolve, handle } = handlerAnswering({ status: 404, reason: 'x', headers: {} })
    expect((await handle(new Request(url))).status).toBe(404)
    expect(resolve).not.toHaveBeenCalled()
  })
})
