import { orthonormalizeColumns, seededRandom, symmetricEigen } from '../linalg/symmetric-eigen.js'
import type { MatMul } from '../linalg/ort-matmul.js'

export interface PcaFit {
  mean: Float32Array
  /** Row-major dim × k: the top-k principal directions as columns. */
  components: Float32Array
  /** Variance along each component, descending. */
  variances: Float64Array
}

/**
 * PCA of n samples (row-major n × dim) to k components, by randomized subspace iteration on the covariance.
 * The covariance is one MLAS matrix product; the iteration works on dim × (k + oversample) blocks.
 * Deterministic for the same input and seed. Works for n < k too (the extra directions are orthonormal
 * and carry no variance of the fitted set).
 */
export async function fitPca(
  samples: Float32Array,
  n: number,
  dim: number,
  k: number,
  mm: MatMul,
  seed = 1,
): Promise<PcaFit> {
  if (n < 1) throw new Error('PCA needs at least one sample.')
  if (k > dim) throw new Error(`PCA cannot keep ${k} components of a ${dim}-d feature.`)
  const mean = new Float64Array(dim)
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += samples[i * dim + j]!
  for (let j = 0; j < dim; j++) mean[j]! /= n

  // Centred samples, transposed (dim × n) and not (n × dim), for one product Xcᵀ·Xc.
  const xc = new Float32Array(n * dim)
  const xct = new Float32Array(dim * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = samples[i * dim + j]! - mean[j]!
      xc[i * dim + j] = v
      xct[j * n + i] = v
    }
  }
  const cov = await mm.run(xct, dim, n, xc, dim)
  for (let i = 0; i < cov.length; i++) cov[i]! /= n

  const p = Math.min(dim, k + 16)
  const random = seededRandom(seed)
  const q = new Float64Array(dim * p)
  for (let i = 0; i < q.length; i++) q[i] = random() - 0.5
  orthonormalizeColumns(q, dim, p)
  for (let iter = 0; iter < 30; iter++) {
    const z = await mm.run(cov, dim, dim, Float32Array.from(q), p)
    q.set(z)
    orthonormalizeColumns(q, dim, p)
  }
  // Rayleigh-Ritz: eigen-decompose Qᵀ C Q, rotate Q by its eigenvectors.
  const cq = await mm.run(cov, dim, dim, Float32Array.from(q), p)
  const t = new Float64Array(p * p)
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let s = 0
      for (let r = 0; r < dim; r++) s += q[r * p + a]! * cq[r * p + b]!
      t[a * p + b] = s
    }
  }
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) t[a * p + b] = t[b * p + a] = (t[a * p + b]! + t[b * p + a]!) / 2
  const { values, vectors } = symmetricEigen(t, p)
  const components = new Float32Array(dim * k)
  for (let c = 0; c < k; c++) {
    let largest = 0
    for (let r = 0; r < dim; r++) {
      let s = 0
      for (let a = 0; a < p; a++) s += q[r * p + a]! * vectors[a * p + c]!
      components[r * k + c] = s
      if (Math.abs(s) > Math.abs(largest)) largest = s
    }
    // Fix each direction's sign, so refits on the same data give identical heads.
    if (largest < 0) for (let r = 0; r < dim; r++) components[r * k + c]! *= -1
  }
  return { mean: Float32Array.from(mean), components, variances: values.slice(0, k) }
}
