import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'
import type { Neighbour } from '../../../src/engine/search/similarity-index.js'

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), the engine's own. */
export const rng = seededRandom

export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

export function normalise(v: Float32Array, offset: number, dims: number): void {
  let s = 0
  for (let i = 0; i < dims; i++) s += v[offset + i]! ** 2
  const n = Math.sqrt(s)
  for (let i = 0; i < dims; i++) v[offset + i] = v[offset + i]! / n
}

/** n unit vectors around `centres` random centres (noise σ per component), like real embeddings. */
export function clustered(random: () => number, n: number, dims: number, centres = 20, sigma = 0.05) {
  const c = new Float32Array(centres * dims)
  for (let i = 0; i < c.length; i++) c[i] = gaussian(random)
  for (let j = 0; j < centres; j++) normalise(c, j * dims, dims)
  const vectors = new Float32Array(n * dims)
  for (let i = 0; i < n; i++) {
    const j = Math.floor(random() * centres)
    for (let d = 0; d < dims; d++) vectors[i * dims + d] = c[j * dims + d]! + sigma * gaussian(random)
    normalise(vectors, i * dims, dims)
  }
  return vectors
}

export function unitVector(random: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims)
  for (let i = 0; i < dims; i++) v[i] = gaussian(random)
  normalise(v, 0, dims)
  return v
}

/**
 * The reference: every row scored with the same float64 loop the index documents, sorted by score then id.
 */
export function bruteForce(
  ids: readonly string[],
  vectors: Float32Array,
  dims: number,
  query: Float32Array,
  k: number,
  opts: { allow?: (id: string) => boolean; exclude?: string } = {},
): Neighbour[] {
  const all: Neighbour[] = []
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!
    if (id === opts.exclude || (opts.allow && !opts.allow(id))) continue
    let score = 0
    for (let i = 0; i < dims; i++) score += vectors[r * dims + i]! * query[i]!
    all.push({ id, score })
  }
  all.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return all.slice(0, k)
}

/** A plain model of the store: id → vector, for checking the index after upserts and removes. */
export class Model {
  readonly rows = new Map<string, Float32Array>()

  constructor(readonly dims: number) {}

  upsert(ids: readonly string[], vectors: Float32Array): void {
    ids.forEach((id, i) => this.rows.set(id, vectors.slice(i * this.dims, (i + 1) * this.dims)))
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) this.rows.delete(id)
  }

  query(query: Float32Array, k: number, opts: { allow?: (id: string) => boolean; exclude?: string } = {}) {
    const ids = [...this.rows.keys()]
    const vectors = new Float32Array(ids.length * this.dims)
    ids.forEach((id, i) => vectors.set(this.rows.get(id)!, i * this.dims))
    return bruteForce(ids, vectors, this.dims, query, k, opts)
  }
}
