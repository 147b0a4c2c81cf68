/**
 * Eigen-decomposition of a small symmetric matrix (row-major n×n) by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the matching eigenvectors as the columns of `vectors`.
 * Used on the small projected matrices of subspace iteration (n ≈ 100), where it is exact and fast enough.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2
    if (off < 1e-22) break
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

/** Orthonormalises the columns of a row-major rows×cols matrix in place (modified Gram-Schmidt, twice for stability). */
export function orthonormalizeColumns(m: Float64Array, rows: number, cols: number): void {
  const random = seededRandom(cols * 7919 + rows)
  let refills = 0
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < j; i++) {
        let dot = 0
        for (let r = 0; r < rows; r++) dot += m[r * cols + i]! * m[r * cols + j]!
        for (let r = 0; r < rows; r++) m[r * cols + j]! -= dot * m[r * cols + i]!
      }
      let norm = 0
      for (let r = 0; r < rows; r++) norm += m[r * cols + j]! ** 2
      norm = Math.sqrt(norm)
      // A column that collapsed (rank-deficient data) is replaced by a fresh direction, kept orthogonal next pass.
      if (norm < 1e-12) {
        if (++refills > 10 * cols) throw new Error('orthonormalizeColumns: more columns than dimensions')
        for (let r = 0; r < rows; r++) m[r * cols + j] = random() - 0.5
        j--
        continue
      }
      for (let r = 0; r < rows; r++) m[r * cols + j]! /= norm
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
