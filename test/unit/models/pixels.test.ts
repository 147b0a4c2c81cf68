import { describe, expect, it } from 'vitest'
import { decodeFeature } from '../../../src/engine/embed/image-embedder.js'
import { createPixelNormaliser } from '../../../src/engine/embed/pixels.js'

// A 2×2 RGB image: pixel p has channels (10p, 10p+1, 10p+2).
const rgb = Uint8Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32])
const mean: [number, number, number] = [0.5, 0.25, 0]
const std: [number, number, number] = [0.5, 0.25, 2]
const norm = (v: number, c: number) => Math.fround((v / 255 - mean[c]!) / std[c]!)

describe('createPixelNormaliser', () => {
  it('writes NCHW planes per channel, at the image index in the batch', () => {
    const out = new Float32Array(2 * 12).fill(99)
    createPixelNormaliser(2, 'NCHW', mean, std).write(rgb, out, 1)
    expect(Array.from(out.subarray(0, 12))).toEqual(new Array(12).fill(99))
    const want = [0, 1, 2].flatMap((c) => [0, 1, 2, 3].map((p) => norm(10 * p + c, c)))
    expect(Array.from(out.subarray(12))).toEqual(want)
  })

  it('keeps interleaved order for NHWC', () => {
    const out = new Float32Array(12)
    createPixelNormaliser(2, 'NHWC', mean, std).write(rgb, out, 0)
    expect(Array.from(out)).toEqual(Array.from(rgb, (v, i) => norm(v, i % 3)))
  })

  it('refuses an image of the wrong size', () => {
    expect(() => createPixelNormaliser(3, 'NCHW', mean, std).write(rgb, new Float32Array(27), 0)).toThrow(
      /needs RGB 3×3 \(27 bytes\)/,
    )
  })
})

describe('decodeFeature', () => {
  it('applies the uint8 affine codec', () => {
    const f = decodeFeature(Uint8Array.from([0, 3, 255]), { kind: 'uint8-affine', scale: 0.5, zeroPoint: 3 })
    expect(Array.from(f)).toEqual([-1.5, 0, 126])
  })

  it('reads float32 bytes, even at an unaligned offset', () => {
    const values = Float32Array.from([1.5, -2, 1e-3])
    const padded = new Uint8Array(13)
    padded.set(new Uint8Array(values.buffer), 1)
    expect(decodeFeature(padded.subarray(1), { kind: 'float32' })).toEqual(values)
    expect(() => decodeFeature(new Uint8Array(6), { kind: 'float32' })).toThrow(/multiple of 4/)
  })
})

describe('decodeFeature into a shared buffer', () => {
  it('writes each feature at its offset', () => {
    const out = new Float32Array(6).fill(-1)
    decodeFeature(Uint8Array.from([1, 2]), { kind: 'uint8-affine', scale: 2, zeroPoint: 1 }, out, 2)
    decodeFeature(new Uint8Array(Float32Array.from([7]).buffer), { kind: 'float32' }, out, 5)
    expect(Array.from(out)).toEqual([-1, -1, 0, 2, -1, 7])
  })
})
