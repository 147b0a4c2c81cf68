/**
 * Eigen-decomposition of a small symmetric matrix (row-major n×n) by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the matching eigenvectors as the columns of `vectors`.
 * Used on the small projected matrices of subspace iteration (n ≈ 100), where it is exact and fast enough.
 */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  let total = 0
  for (let i = 0; i < n * n; i++) total += a[i]! ** 2
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2
    // Relative to the matrix's size: an absolute threshold is never reached by large-valued matrices.
    if (off <= 1e-26 * total) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!
        if (Math.abs(apq) < 1e-300) continue
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!
          const akq = a[k * n + q]!
          a[k * n + p] = c * akp - s * akq
          a[k * n + q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!
          const aqk = a[q * n + k]!
          a[p * n + k] = c * apk - s * aqk
          a[q * n + k] = s * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!
          const vkq = v[k * n + q]!
          v[k * n + p] = c * vkp - s * vkq
          v[k * n + q] = s * vkp + c * vkq
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!)
  const values = new Float64Array(n)
  const vectors = new Float64Array(n * n)
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!
  })
  return { values, vectors }
}

/**
 * Orthonormalises the rows of a row-major rows×cols matrix in place (modified Gram-Schmidt; two passes
 * give orthogonality to machine precision, one is enough between the products of subspace iteration). A row that collapses (rank-deficient data) is replaced by a fresh random direction.
 */
export function orthonormalizeRows(m: Float64Array, rows: number, cols: number, passes = 2): void {
  if (rows > cols) throw new Error('orthonormalizeRows: more vectors than dimensions')
  const random = seededRandom(rows * 7919 + cols)
  for (let pass = 0; pass < passes; pass++) {
    for (let j = 0; j < rows; j++) {
      const oj = j * cols
      for (let attempt = 0; ; attempt++) {
        for (let i = 0; i < j; i++) {
          const oi = i * cols
          let dot = 0
          for (let r = 0; r < cols; r++) dot += m[oi + r]! * m[oj + r]!
          for (let r = 0; r < cols; r++) m[oj + r]! -= dot * m[oi + r]!
        }
        let norm = 0
        for (let r = 0; r < cols; r++) norm += m[oj + r]! ** 2
        norm = Math.sqrt(norm)
        if (norm > 1e-10) {
          for (let r = 0; r < cols; r++) m[oj + r]! /= norm
          break
        }
        if (attempt > 10) throw new Error('orthonormalizeRows: could not find an independent direction')
        for (let r = 0; r < cols; r++) m[oj + r] = random() - 0.5
      }
    }
  }
}

/** Deterministic PRNG (mulberry32), so fits are reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
