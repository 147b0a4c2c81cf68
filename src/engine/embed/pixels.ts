/**
 * RGB HWC uint8 images → the model's normalised float32 batch. A 256-entry table per channel replaces
 * the per-pixel divide: this runs for every photo indexed.
 */
export type Layout = 'NCHW' | 'NHWC'

export interface PixelNormaliser {
  /** Writes image `index` of the batch into `out` (which holds at least index+1 images). */
  write(rgb: Uint8Array, out: Float32Array, index: number): void
}

export function createPixelNormaliser(
  size: number,
  layout: Layout,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
): PixelNormaliser {
  const lut = new Float32Array(3 * 256)
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean[c]!) / std[c]!
  const plane = size * size
  const perImage = 3 * plane

  return {
    write(rgb, out, index) {
      if (rgb.length !== perImage) {
        throw new Error(
          `Image ${index} has ${rgb.length} bytes; the model needs RGB ${size}×${size} (${perImage} bytes).`,
        )
      }
      const base = index * perImage
      if (layout === 'NHWC') {
        for (let i = 0; i < perImage; i += 3) {
          out[base + i] = lut[rgb[i]!]!
          out[base + i + 1] = lut[256 + rgb[i + 1]!]!
          out[base + i + 2] = lut[512 + rgb[i + 2]!]!
        }
        return
      }
      const g = base + plane
      const b = g + plane
      for (let p = 0, i = 0; p < plane; p++, i += 3) {
        out[base + p] = lut[rgb[i]!]!
        out[g + p] = lut[256 + rgb[i + 1]!]!
        out[b + p] = lut[512 + rgb[i + 2]!]!
      }
    },
  }
}
