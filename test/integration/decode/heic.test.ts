import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePhoto } from '../../../src/engine/decode/decode-photo.js'
import { closeHeicWorkers } from '../../../src/engine/decode/heic-worker-pool.js'
import { hammingDistance } from '../../../src/engine/decode/perceptual-hash.js'
import { readMetadata } from '../../../src/engine/decode/read-metadata.js'
import type { DecodedPhoto } from '../../../src/engine/types.js'
import { HEIC_FIXTURE, IMAGES_DIR } from '../../fixtures/bad-inputs.js'

const S = 224

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!)
  return sum / a.length
}

describe('HEIC', () => {
  let heic: Buffer
  let decoded: DecodedPhoto
  beforeAll(async () => {
    heic = await fs.readFile(HEIC_FIXTURE)
    decoded = await decodePhoto(heic, { inputSize: S, name: 'scene.heic' })
  })
  afterAll(async () => {
    await closeHeicWorkers()
  })

  it('decodes a real HEVC-coded HEIC', async () => {
    expect(decoded.format).toBe('heic')
    expect([decoded.width, decoded.height]).toEqual([320, 240])
    expect(decoded.modelInput.length).toBe(S * S * 3)
    const thumb = await sharp(decoded.thumbnail).metadata()
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['jpeg', 320, 240])
  })

  it('decodes to the picture it was made from', async () => {
    // The fixture is scene.svg through JPEG and HEVC at quality 50: close, not identical.
    const png = await sharp(path.join(IMAGES_DIR, 'scene.svg')).png().toBuffer()
    const original = await decodePhoto(png, { inputSize: S })
    expect(hammingDistance(decoded.phash, original.phash)).toBeLessThanOrEqual(6)
    expect(hammingDistance(decoded.dhash, original.dhash)).toBeLessThanOrEqual(8)
    expect(meanAbsDiff(decoded.modelInput, original.modelInput)).toBeLessThan(6)
  })

  it('reads its EXIF (which exifr alone misses in libheif-written files)', async () => {
    const expected = {
      takenAt: '2024-07-14T18:30:05+02:00',
      cameraMake: 'Tessera',
      cameraModel: 'Fixture Cam',
      orientation: 1,
    }
    expect(decoded.metadata).toMatchObject(expected)
    expect(decoded.metadata.gps!.latitude).toBeCloseTo(48 + 51 / 60 + 23.96 / 3600, 5)
    expect(decoded.metadata.gps!.longitude).toBeCloseTo(2 + 17 / 60 + 40 / 3600, 5)
    expect(decoded.metadata.gps!.altitude).toBe(35)
    expect(await readMetadata(heic)).toEqual(decoded.metadata)
  })

  it('refuses a HEIC above the pixel limit from its header', async () => {
    await expect(decodePhoto(heic, { inputSize: S, maxPixels: 320 * 240 - 1 })).rejects.toMatchObject({
      code: 'too-large',
      reason: 'The image is too large to open safely: 320 × 240 pixels (0.1 MP); the limit is 0.1 MP.',
    })
  })

  it('decodes several at once, identically', async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => decodePhoto(heic, { inputSize: S })))
    for (const d of all) {
      expect(d.phash).toBe(decoded.phash)
      expect(Buffer.from(d.modelInput).equals(Buffer.from(decoded.modelInput))).toBe(true)
    }
  })

  it('turns a decoder worker dying mid-decode into a DecodeError, and carries on', async () => {
    const big = await fs.readFile(HEIC_FIXTURE)
    const pending = decodePhoto(big, { inputSize: S })
    await new Promise((resolve) => setTimeout(resolve, 5))
    await closeHeicWorkers() // ends the worker under the decode, as a crash would
    const outcome = await pending.then(
      () => 'decoded',
      (error: unknown) => (error as { code?: string }).code,
    )
    // It may have finished before the worker was ended; if not, it must be a plain DecodeError.
    expect(['decoded', 'corrupt']).toContain(outcome)
    expect((await decodePhoto(heic, { inputSize: S })).phash).toBe(decoded.phash)
  })

  it('reports a cut HEIC as truncated and a mangled one as a DecodeError', async () => {
    await expect(decodePhoto(heic.subarray(0, heic.length - 100), { inputSize: S })).rejects.toMatchObject({
      code: 'truncated',
    })
    const mangled = Buffer.from(heic)
    mangled.fill(0x5a, 60, 400) // through the meta box
    await expect(decodePhoto(mangled, { inputSize: S })).rejects.toMatchObject({ name: 'DecodeError' })
  })
})
