import { orthonormalizeRows, seededRandom, symmetricEigen } from '../linalg/symmetric-eigen.js'
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
  iterations = 8,
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

  // The basis is kept transposed (p rows of length dim, each one a contiguous vector), so that
  // Gram-Schmidt runs on contiguous memory and, C being symmetric, Qᵀ·C = (C·Q)ᵀ is one MLAS product.
  const p = Math.min(dim, k + 16)
  const random = seededRandom(seed)
  const qt = new Float64Array(p * dim)
  for (let i = 0; i < qt.length; i++) qt[i] = random() - 0.5
  orthonormalizeRows(qt, p, dim)
  for (let iter = 0; iter < iterations; iter++) {
    qt.set(await mm.run(Float32Array.from(qt), p, dim, cov, dim))
    orthonormalizeRows(qt, p, dim, iter === iterations - 1 ? 2 : 1)
  }
  // Rayleigh-Ritz: eigen-decompose T = Qᵀ C Q (p × p), rotate the basis by its eigenvectors.
  const qtc = await mm.run(Float32Array.from(qt), p, dim, cov, dim)
  const t = new Float64Array(p * p)
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      let sum = 0
      const oa = a * dim
      const ob = b * dim
      for (let r = 0; r < dim; r++) sum += qtc[oa + r]! * qt[ob + r]!
      t[a * p + b] = sum
      t[b * p + a] = sum
    }
  }
  const { values, vectors } = symmetricEigen(t, p)
  const components = new Float32Array(dim * k)
  const column = new Float64Array(dim)
  for (let c = 0; c < k; c++) {
    column.fill(0)
    for (let a = 0; a < p; a++) {
      const w = vectors[a * p + c]!
      const oa = a * dim
      for (let r = 0; r < dim; r++) column[r]! += w * qt[oa + r]!
    }
    // Fix each direction's sign, so refits on the same data give identical heads.
    let largest = 0
    for (let r = 0; r < dim; r++) if (Math.abs(column[r]!) > Math.abs(largest)) largest = column[r]!
    const sign = largest < 0 ? -1 : 1
    for (let r = 0; r < dim; r++) components[r * k + c] = sign * column[r]!
  }
  return { mean: Float32Array.from(mean), components, variances: values.slice(0, k) }
}
