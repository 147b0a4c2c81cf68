import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ThumbnailCache } from '../../../src/engine/store/thumbnail-cache.js'

const HASH_NEW = 'a'.repeat(64)
const HASH_OLD = 'b'.repeat(64)
const HASH_NONE = 'c'.repeat(64)
let dir: string
let jpeg: Buffer
let webp: Buffer

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-thumbs-'))
  const picture = sharp({ create: { width: 32, height: 24, channels: 3, background: '#468' } })
  jpeg = await picture.clone().jpeg().toBuffer()
  webp = await picture.clone().webp().toBuffer()
})
afterAll(() => fs.rm(dir, { recursive: true, force: true }))

describe('ThumbnailCache', () => {
  it('writes JPEG thumbnails as .jpg and reads them back', async () => {
    const cache = new ThumbnailCache(dir)
    await cache.write(HASH_NEW, jpeg)
    expect(await cache.find(HASH_NEW)).toBe(cache.pathFor(HASH_NEW))
    expect(cache.pathFor(HASH_NEW).endsWith(`${HASH_NEW}.jpg`)).toBe(true)
    expect(await cache.read(HASH_NEW)).toEqual(jpeg)
  })

  it("keeps reading an older library's WebP thumbnails, and does not write a second one", async () => {
    const cache = new ThumbnailCache(dir)
    // As a library indexed before JPEG thumbnails has it.
    const old = path.join(dir, HASH_OLD.slice(0, 2), `${HASH_OLD}.webp`)
    await fs.mkdir(path.dirname(old), { recursive: true })
    await fs.writeFile(old, webp)
    expect(await cache.has(HASH_OLD)).toBe(true)
    expect(await cache.find(HASH_OLD)).toBe(old)
    expect(await cache.read(HASH_OLD)).toEqual(webp)
    await cache.write(HASH_OLD, jpeg)
    expect(await fs.readdir(path.dirname(old))).toEqual([`${HASH_OLD}.webp`])
  })

  it('names a file after its bytes: WebP written by any writer is a .webp', async () => {
    const cache = new ThumbnailCache(dir)
    await cache.write(HASH_NONE, webp)
    expect(await cache.find(HASH_NONE)).toBe(path.join(dir, HASH_NONE.slice(0, 2), `${HASH_NONE}.webp`))
  })

  it('says null for a content without a thumbnail', async () => {
    const cache = new ThumbnailCache(dir)
    expect(await cache.find('d'.repeat(64))).toBeNull()
    expect(await cache.read('d'.repeat(64))).toBeNull()
  })
})
