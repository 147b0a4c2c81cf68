import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeModelInputOnly, decodePhoto } from '../../../src/engine/decode/decode-photo.js'
import { SEED_DIR } from '../../fixtures/bad-inputs.js'

const S = 224

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length)
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!)
  return sum / a.length
}

describe('EXIF orientation', () => {
  // A landscape photo (800 × 450), so a wrong rotation shows in the size as well as in the pixels.
  let upright: Buffer
  beforeAll(async () => {
    upright = await fs.readFile(path.join(SEED_DIR, 'Location', '00084cdf8f600d00.jpg'))
  })

  it('orientation 6 swaps width and height and rotates the pixels a quarter turn clockwise', async () => {
    // Stored pixels as a camera held upright-rotated would write them: the picture turned a quarter anticlockwise.
    const stored = await sharp(upright)
      .rotate(270)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer()
    expect((await sharp(stored).metadata()).orientation).toBe(6)
    const [fromExif, reference, unrotated] = await Promise.all([
      decodePhoto(stored, { inputSize: S }),
      decodePhoto(upright, { inputSize: S }),
      decodePhoto(await sharp(upright).rotate(270).jpeg({ quality: 95 }).toBuffer(), { inputSize: S }),
    ])
    expect([fromExif.width, fromExif.height]).toEqual([800, 450])
    expect(fromExif.metadata.orientation).toBe(6)
    const thumb = await sharp(fromExif.thumbnail).metadata()
    expect([thumb.width, thumb.height]).toEqual([320, 180])
    expect(meanAbsDiff(fromExif.modelInput, reference.modelInput)).toBeLessThan(4)
    expect(meanAbsDiff(fromExif.modelInput, unrotated.modelInput)).toBeGreaterThan(20)
    expect(fromExif.phash).toBe(reference.phash)
  })

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'orientation %i gives the same upright picture as sharp.rotate()',
    async (o) => {
      const stored = await sharp(upright).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer()
      const decoded = await decodePhoto(stored, { inputSize: S })
      const swapped = o >= 5
      expect([decoded.width, decoded.height]).toEqual(swapped ? [450, 800] : [800, 450])
      const floor = await decodeModelInputOnly(stored, S)
      expect(meanAbsDiff(decoded.modelInput, floor)).toBeLessThan(4)
    },
  )
})
