/**
 * An exact cosine k-nearest-neighbour search by brute force over the embeddings: for tests and small
 * libraries. Embeddings are unit length, so the cosine is the dot product. O(n) per query.
 */
import type { NeighbourFn } from './find-duplicates.js'
import type { DupePhoto } from './types.js'

export function exactNeighbours(photos: ReadonlyArray<Pick<DupePhoto, 'id' | 'embedding'>>): NeighbourFn {
  const withEmbedding = photos.filter((p) => p.embedding !== null)
  const byId = new Map(withEmbedding.map((p) => [p.id, p.embedding!]))
  return async (id, k) => {
    const q = byId.get(id)
    if (!q) return []
    const scored = withEmbedding.map((p) => {
      const e = p.embedding!
      let s = 0
      for (let i = 0; i < q.length; i++) s += q[i]! * e[i]!
      return { id: p.id, score: s }
    })
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return scored.slice(0, k)
  }
}
