import type { MatMul } from '../linalg/ort-matmul.js'

/** The arrays the training math runs on: float32 in training, float64 for the gradient check's reference. */
export type Floats = Float32Array | Float64Array

/** Row-major A (m×k) times B (k×n) → row-major m×n, of A's element type. */
export type Multiply = (a: Floats, m: number, k: number, b: Floats, n: number) => Promise<Floats>

/**
 * Below this many multiply-adds a JS loop is as fast as a call into onnxruntime (whose fixed cost, tensor
 * wrapping and the call, is about 80 µs); above it MLAS wins, by 10× at 64×64×100 and 100× at the head's
 * 64×1280×64. Measured on the 2-core x86 development machine with one MLAS thread.
 */
export const MLAS_MIN_WORK = 1 << 14

/** Plain JS product, i-k-j order (contiguous inner loop). Exact in the element type of `a`. */
export function multiplyJs(a: Floats, m: number, k: number, b: Floats, n: number): Floats {
  if (a.length !== m * k || b.length !== k * n)
    throw new Error(`multiply: shape mismatch (${m}×${k})·(${k}×${n})`)
  const out = a instanceof Float64Array ? new Float64Array(m * n) : new Float32Array(m * n)
  for (let i = 0; i < m; i++) {
    const oa = i * k
    const oo = i * n
    for (let p = 0; p < k; p++) {
      const v = a[oa + p]!
      if (v === 0) continue
      const ob = p * n
      for (let j = 0; j < n; j++) out[oo + j]! += v * b[ob + j]!
    }
  }
  return out
}

/**
 * The matrix products of training: MLAS through onnxruntime for big float32 products, JS loops for small
 * ones and for float64 (which MLAS does not do). Which one runs changes rounding only, never the math.
 */
export function matrixProducts(mm?: MatMul, minWork = MLAS_MIN_WORK): Multiply {
  return async (a, m, k, b, n) => {
    if (mm && a instanceof Float32Array && b instanceof Float32Array && m * k * n >= minWork && m * n > 0) {
      return mm.run(a, m, k, b, n)
    }
    return multiplyJs(a, m, k, b, n)
  }
}

/** Row-major rows×cols → its transpose (cols×rows), same element type. */
export function transpose(a: Floats, rows: number, cols: number): Floats {
  const out = a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length)
  for (let i = 0; i < rows; i++) {
    const o = i * cols
    for (let j = 0; j < cols; j++) out[j * rows + i] = a[o + j]!
  }
  return out
}
