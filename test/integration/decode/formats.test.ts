import fs from 'node:fs/promises'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeModelInputOnly, decodePhoto } from '../../../src/engine/decode/decode-photo.js'
import { hammingDistance } from '../../../src/engine/decode/perceptual-hash.js'
import type { DecodedPhoto } from '../../../src/engine/types.js'
import { SEED_JPEG } from '../../fixtures/bad-inputs.js'

const S = 224

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!)
  return sum / a.length
}

async function thumbSize(d: DecodedPhoto): Promise<[number, number, string]> {
  const m = await sharp(d.thumbnail).metadata()
  return [m.width, m.height, m.format]
}

describe('decodePhoto formats', () => {
  let jpeg: Buffer // 900 × 1348 seed photo
  let reference: DecodedPhoto
  beforeAll(async () => {
    jpeg = await fs.readFile(SEED_JPEG)
    reference = await decodePhoto(jpeg, { inputSize: S })
  })

  it('decodes a JPEG into every output', async () => {
    expect(reference.format).toBe('jpeg')
    expect([reference.width, reference.height]).toEqual([900, 1348])
    expect(reference.modelInput).toBeInstanceOf(Uint8Array)
    expect(reference.modelInput.length).toBe(S * S * 3)
    expect(await thumbSize(reference)).toEqual([214, 320, 'jpeg'])
    // Same picture as the plain sharp cover-resize, up to resampling differences.
    expect(meanAbsDiff(reference.modelInput, await decodeModelInputOnly(jpeg, S))).toBeLessThan(3)
  })

  it.each(['png', 'webp', 'avif', 'tiff', 'gif'] as const)(
    'decodes %s to the same picture',
    async (format) => {
      // Fastest encoder settings: the test is about decoding.
      const fast = { avif: { effort: 0 }, gif: { effort: 1 } } as Record<string, object>
      const file = await sharp(jpeg)
        .toFormat(format, fast[format] ?? {})
        .toBuffer()
      const d = await decodePhoto(file, { inputSize: S })
      expect(d.format).toBe(format)
      expect([d.width, d.height]).toEqual([900, 1348])
      expect(d.modelInput.length).toBe(S * S * 3)
      expect(await thumbSize(d)).toEqual([214, 320, 'jpeg'])
      expect(hammingDistance(d.phash, reference.phash)).toBeLessThanOrEqual(format === 'gif' ? 10 : 6)
      expect(meanAbsDiff(d.modelInput, reference.modelInput)).toBeLessThan(format === 'gif' ? 12 : 6)
    },
  )

  it('handles other model input sizes', async () => {
    const d = await decodePhoto(jpeg, { inputSize: 384 })
    expect(d.modelInput.length).toBe(384 * 384 * 3)
  })

  it('never upscales the thumbnail of a small picture, but still fills the model input', async () => {
    const tiny = await sharp(jpeg).resize(40, 30, { fit: 'fill' }).png().toBuffer()
    const d = await decodePhoto(tiny, { inputSize: S })
    expect([d.width, d.height]).toEqual([40, 30])
    expect((await thumbSize(d)).slice(0, 2)).toEqual([40, 30])
    expect(d.modelInput.length).toBe(S * S * 3)
  })

  it('handles extreme aspect ratios', async () => {
    const strip = await sharp(jpeg).resize(3000, 40, { fit: 'fill' }).jpeg().toBuffer()
    const d = await decodePhoto(strip, { inputSize: S })
    expect([d.width, d.height]).toEqual([3000, 40])
    expect((await thumbSize(d)).slice(0, 2)).toEqual([320, 4])
    expect(d.modelInput.length).toBe(S * S * 3)
  })

  it('puts transparent areas on white and gives RGB for grey, 16-bit and CMYK pictures', async () => {
    const transparent = await sharp({
      create: { width: 64, height: 48, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer()
    const clear = await decodePhoto(transparent, { inputSize: S })
    expect(clear.modelInput.every((v) => v === 255)).toBe(true)

    const variants = {
      grey: await sharp(jpeg).greyscale().jpeg().toBuffer(),
      sixteenBit: await sharp(jpeg).toColourspace('rgb16').png().toBuffer(),
      cmyk: await sharp(jpeg).toColourspace('cmyk').jpeg().toBuffer(),
    }
    for (const [name, file] of Object.entries(variants)) {
      const d = await decodePhoto(file, { inputSize: S })
      expect(d.modelInput.length, name).toBe(S * S * 3)
      expect(hammingDistance(d.phash, reference.phash), name).toBeLessThanOrEqual(8)
    }
  })

  it('takes the first frame of an animated GIF', async () => {
    const frame = (colour: string): Promise<Buffer> =>
      sharp({ create: { width: 60, height: 40, channels: 3, background: colour } })
        .raw()
        .toBuffer()
    const frames = Buffer.concat([await frame('#ff0000'), await frame('#0000ff')])
    const gif = await sharp(frames, { raw: { width: 60, height: 80, channels: 3, pageHeight: 40 } })
      .gif()
      .toBuffer()
    expect((await sharp(gif).metadata()).pages).toBe(2)
    const d = await decodePhoto(gif, { inputSize: S })
    expect([d.width, d.height]).toEqual([60, 40])
    expect(d.modelInput[0]).toBeGreaterThan(200) // red
    expect(d.modelInput[2]).toBeLessThan(50)
  })
})
