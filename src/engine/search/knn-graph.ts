import type { MatMul } from '../linalg/ort-matmul.js'

export interface KnnGraph {
  k: number
  /** n × k neighbour indices (-1 where fewer than k exist), best first. */
  neighbours: Int32Array
  /** n × k cosine similarities matching `neighbours`. */
  scores: Float32Array
}

/**
 * Exact k nearest neighbours of every vector among all the others (cosine on unit vectors), computed in
 * blocks of queries as MLAS matrix products — the all-pairs similarity work runs at BLAS speed, and
 * memory stays at one block × n scores. Ties are broken by lower index, so the graph is deterministic.
 */
export async function knnGraph(
  vectors: Float32Array,
  n: number,
  dim: number,
  k: number,
  mm: MatMul,
  block = 512,
): Promise<KnnGraph> {
  const kk = Math.min(k, Math.max(0, n - 1))
  const neighbours = new Int32Array(n * k).fill(-1)
  const scores = new Float32Array(n * k).fill(Number.NEGATIVE_INFINITY)
  if (n === 0 || kk === 0) return { k, neighbours, scores }
  // The gallery transposed once (dim × n), so each block is (b × dim)·(dim × n).
  const gallery = new Float32Array(dim * n)
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) gallery[d * n + i] = vectors[i * dim + d]!
  const bestIdx = new Int32Array(kk)
  const bestVal = new Float32Array(kk)
  for (let start = 0; start < n; start += block) {
    const b = Math.min(block, n - start)
    const sims = await mm.run(vectors.slice(start * dim, (start + b) * dim), b, dim, gallery, n)
    for (let r = 0; r < b; r++) {
      const self = start + r
      let count = 0
      const row = r * n
      for (let j = 0; j < n; j++) {
        if (j === self) continue
        const s = sims[row + j]!
        if (count === kk && s <= bestVal[kk - 1]!) continue
        let pos = count < kk ? count++ : kk - 1
        while (pos > 0 && bestVal[pos - 1]! < s) {
          bestVal[pos] = bestVal[pos - 1]!
          bestIdx[pos] = bestIdx[pos - 1]!
          pos--
        }
        bestVal[pos] = s
        bestIdx[pos] = j
      }
      for (let t = 0; t < count; t++) {
        neighbours[self * k + t] = bestIdx[t]!
        scores[self * k + t] = bestVal[t]!
      }
    }
  }
  return { k, neighbours, scores }
}
