/**
 * Separable resampling of small interleaved images in plain JS, PIL-style (the filter widens when shrinking,
 * so shrinking averages instead of aliasing). Used for the tiny grey images behind the perceptual hashes,
 * where a pass in JS is cheaper than another round trip through sharp's thread pool.
 */

export interface Kernel {
  /** Half-width of the filter, in source pixels at scale 1. */
  support: number
  fn: (x: number) => number
}

/** Area average: each output pixel is the mean of the source area it covers. */
export const BOX: Kernel = { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) }

interface Taps {
  /** First source index of each output pixel. */
  first: Int32Array
  count: Int32Array
  /** `maxTaps` weights per output pixel, normalised to sum 1. */
  weights: Float32Array
  maxTaps: number
}

/** Which source pixels, with which weights, make each of `outSize` pixels covering [start, start + length). */
function taps(inSize: number, start: number, length: number, outSize: number, kernel: Kernel): Taps {
  const scale = length / outSize
  const filterScale = Math.max(scale, 1)
  const support = kernel.support * filterScale
  const maxTaps = Math.ceil(support) * 2 + 1
  const first = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights = new Float32Array(outSize * maxTaps)
  for (let i = 0; i < outSize; i++) {
    const center = start + (i + 0.5) * scale
    let lo = Math.max(0, Math.floor(center - support + 0.5))
    let hi = Math.min(inSize, Math.floor(center + support + 0.5))
    if (hi - lo > maxTaps) hi = lo + maxTaps
    if (hi <= lo) {
      // Upscaling a 1-pixel-wide strip: take the nearest pixel.
      lo = Math.min(inSize - 1, Math.max(0, Math.floor(center)))
      hi = lo + 1
    }
    let sum = 0
    for (let j = lo; j < hi; j++) {
      const w = kernel.fn((j + 0.5 - center) / filterScale)
      weights[i * maxTaps + (j - lo)] = w
      sum += w
    }
    if (sum === 0) {
      weights[i * maxTaps] = 1
      hi = lo + 1
      sum = 1
    }
    for (let j = 0; j < hi - lo; j++) weights[i * maxTaps + j]! /= sum
    first[i] = lo
    count[i] = hi - lo
  }
  return { first, count, weights, maxTaps }
}

export interface Region {
  left: number
  top: number
  width: number
  height: number
}

/**
 * Resamples `region` (fractional source coordinates) of an interleaved `channels`-band image to
 * outWidth × outHeight. Returns floats (not rounded), interleaved the same way.
 */
export function resampleRegion(
  src: Uint8Array | Float32Array,
  width: number,
  height: number,
  channels: number,
  region: Region,
  outWidth: number,
  outHeight: number,
  kernel: Kernel,
): Float32Array {
  const h = taps(width, region.left, region.width, outWidth, kernel)
  const v = taps(height, region.top, region.height, outHeight, kernel)
  // Only the source rows some output row reads need the horizontal pass.
  const rowLo = v.first[0]!
  const rowHi = v.first[outHeight - 1]! + v.count[outHeight - 1]!
  const stride = outWidth * channels
  const mid = new Float32Array((rowHi - rowLo) * stride)
  const hw = h.weights
  for (let y = rowLo; y < rowHi; y++) {
    const srcRow = y * width * channels
    let o = (y - rowLo) * stride
    for (let x = 0; x < outWidth; x++) {
      const n = h.count[x]!
      const wBase = x * h.maxTaps
      let p = srcRow + h.first[x]! * channels
      if (channels === 3) {
        let a = 0
        let b = 0
        let c = 0
        for (let k = 0; k < n; k++, p += 3) {
          const w = hw[wBase + k]!
          a += src[p]! * w
          b += src[p + 1]! * w
          c += src[p + 2]! * w
        }
        mid[o++] = a
        mid[o++] = b
        mid[o++] = c
      } else if (channels === 1) {
        let a = 0
        for (let k = 0; k < n; k++) a += src[p + k]! * hw[wBase + k]!
        mid[o++] = a
      } else {
        for (let ch = 0; ch < channels; ch++) {
          let acc = 0
          for (let k = 0; k < n; k++) acc += src[p + k * channels + ch]! * hw[wBase + k]!
          mid[o++] = acc
        }
      }
    }
  }
  // Vertical pass: each output row is a weighted sum of whole rows of `mid`.
  const out = new Float32Array(outHeight * stride)
  for (let y = 0; y < outHeight; y++) {
    const lo = v.first[y]! - rowLo
    const n = v.count[y]!
    const wBase = y * v.maxTaps
    const outRow = y * stride
    for (let k = 0; k < n; k++) {
      const w = v.weights[wBase + k]!
      const midRow = (lo + k) * stride
      for (let i = 0; i < stride; i++) out[outRow + i]! += mid[midRow + i]! * w
    }
  }
  return out
}
