import { knnGraph } from '../search/knn-graph.js'
import type { MatMul } from '../linalg/ort-matmul.js'

export interface GroupInput {
  id: string
  embedding: Float32Array
  /** ISO capture date, when known. */
  takenAt: string | null
}

export interface PhotoGroup {
  /** Stable for the same members: derived from the cover's id. */
  id: string
  /** The member closest to the group's centre. */
  cover: string
  photos: string[]
  /** First and last capture dates of the members that have one. */
  from: string | null
  to: string | null
}

export interface ClusterOptions {
  /** Two photos are linked only if each is among the other's `mutual` nearest neighbours... */
  mutual?: number
  /**
   * ...and their cosine is at least this floor. By default the floor adapts to the library: the
   * `floorPercentile` of every photo's similarity to its `mutual`-th neighbour (embeddings of different
   * heads and libraries spread differently, so no absolute number fits all).
   */
  minSimilarity?: number
  floorPercentile?: number
  /** Photos at least this alike (cosine) link even when not mutual neighbours: bursts, near-duplicates. */
  burstSimilarity?: number
  /** Smaller clusters stay ungrouped. */
  minSize?: number
  /** A gap in capture time longer than this splits a visual cluster into separate events. */
  eventGapHours?: number
}

// Tuned on flowers17-40 (17 classes): 57 groups covering 66% of the photos, 94% of each group's photos of
// one class; the rest stays ungrouped.
const DEFAULTS = { mutual: 3, floorPercentile: 0.25, burstSimilarity: 0.9, minSize: 3, eventGapHours: 48 }

class UnionFind {
  private parent: Int32Array
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i)
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!
      i = this.parent[i]!
    }
    return i
  }
  union(a: number, b: number): void {
    const ra = this.find(a)
    const rb = this.find(b)
    // The lower index becomes the root, so components do not depend on the order of unions.
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
}

/**
 * Automatic groups: photos linked by mutual nearest-neighbour edges above a similarity floor form visual
 * clusters (density-based, like HDBSCAN's core idea: no fixed number of groups, and photos that fit
 * nowhere stay ungrouped instead of being forced in); a cluster whose dated photos are separated by a long
 * gap is split into events. Deterministic for the same library: inputs are ordered by id.
 */
export async function clusterPhotos(
  photos: readonly GroupInput[],
  mm: MatMul,
  options: ClusterOptions = {},
): Promise<{ groups: PhotoGroup[]; ungrouped: string[] }> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const o: ClusterOptions & typeof DEFAULTS = { ...DEFAULTS, ...given }
  const items = [...photos].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const n = items.length
  const dim = items[0]?.embedding.length ?? 0
  const vectors = new Float32Array(n * dim)
  items.forEach((p, i) => vectors.set(p.embedding, i * dim))
  const m = o.mutual
  const graph = await knnGraph(vectors, n, dim, m, mm)
  const floor = o.minSimilarity ?? percentileOfKth(graph.scores, n, m, o.floorPercentile)
  const isNeighbour = (a: number, b: number) => {
    for (let t = 0; t < m; t++) if (graph.neighbours[a * m + t] === b) return true
    return false
  }
  const uf = new UnionFind(n)
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < m; t++) {
      const j = graph.neighbours[i * m + t]!
      const sim = graph.scores[i * m + t]!
      if (j < 0 || sim < floor) break
      // Mutual neighbours link; so does any near-identical neighbour (a burst would otherwise fragment:
      // in a tight, even blob few neighbours are mutual).
      if (isNeighbour(j, i) || sim >= o.burstSimilarity) uf.union(i, j)
    }
  }
  const clusters = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = uf.find(i)
    const c = clusters.get(r)
    if (c) c.push(i)
    else clusters.set(r, [i])
  }

  const groups: PhotoGroup[] = []
  const ungrouped: string[] = []
  for (const members of clusters.values()) {
    for (const event of splitByTime(members, items, o.eventGapHours)) {
      if (event.length < o.minSize) {
        for (const i of event) ungrouped.push(items[i]!.id)
        continue
      }
      const cover = medoid(event, vectors, dim)
      const dates = event
        .map((i) => items[i]!.takenAt)
        .filter((d): d is string => d !== null)
        .sort()
      groups.push({
        id: `g-${items[cover]!.id}`,
        cover: items[cover]!.id,
        photos: event.map((i) => items[i]!.id),
        from: dates[0] ?? null,
        to: dates[dates.length - 1] ?? null,
      })
    }
  }
  groups.sort((a, b) => b.photos.length - a.photos.length || a.id.localeCompare(b.id))
  return { groups, ungrouped: ungrouped.sort() }
}

/** The p-quantile of every photo's similarity to its m-th neighbour. */
function percentileOfKth(scores: Float32Array, n: number, m: number, p: number): number {
  const kth: number[] = []
  for (let i = 0; i < n; i++) {
    const s = scores[i * m + m - 1]!
    if (Number.isFinite(s)) kth.push(s)
  }
  if (kth.length === 0) return Number.POSITIVE_INFINITY
  kth.sort((a, b) => a - b)
  return kth[Math.floor(p * (kth.length - 1))]!
}

/** Splits members into events at capture-time gaps; undated photos stay with the largest event. */
function splitByTime(members: number[], items: readonly GroupInput[], gapHours: number): number[][] {
  const dated = members.filter(
    (i) => items[i]!.takenAt !== null && !Number.isNaN(Date.parse(items[i]!.takenAt!)),
  )
  const datedSet = new Set(dated)
  const undated = members.filter((i) => !datedSet.has(i))
  if (dated.length < 2) return [members]
  dated.sort((a, b) => Date.parse(items[a]!.takenAt!) - Date.parse(items[b]!.takenAt!) || a - b)
  const events: number[][] = [[dated[0]!]]
  for (let t = 1; t < dated.length; t++) {
    const gap = Date.parse(items[dated[t]!]!.takenAt!) - Date.parse(items[dated[t - 1]!]!.takenAt!)
    if (gap > gapHours * 3600_000) events.push([])
    events[events.length - 1]!.push(dated[t]!)
  }
  const largest = events.reduce((a, b) => (b.length > a.length ? b : a))
  largest.push(...undated)
  return events.map((e) => e.sort((a, b) => a - b))
}

/** The member with the highest cosine to the members' mean direction. */
function medoid(members: number[], vectors: Float32Array, dim: number): number {
  const centre = new Float64Array(dim)
  for (const i of members) for (let d = 0; d < dim; d++) centre[d]! += vectors[i * dim + d]!
  let best = members[0]!
  let bestScore = Number.NEGATIVE_INFINITY
  for (const i of members) {
    let s = 0
    for (let d = 0; d < dim; d++) s += centre[d]! * vectors[i * dim + d]!
    if (s > bestScore) {
      bestScore = s
      best = i
    }
  }
  return best
}
