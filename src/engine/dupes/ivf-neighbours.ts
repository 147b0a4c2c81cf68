import type { DupePhoto } from './types.js'
import type { NeighbourFn } from './find-duplicates.js'
import type { MatMul } from '../linalg/ort-matmul.js'
import { seededRandom } from '../linalg/symmetric-eigen.js'

/**
 * The kNN graph keeps neighbours from this cosine up: the lowest floor findDuplicates asks for (loose level,
 * embeddingCos 0.7), so a shorter list means "nothing else close enough" to it.
 */
export const GRAPH_FLOOR = 0.7

function normalize(v: Float32Array): Float32Array {
  let s = 0
  for (const x of v) s += x * x
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0
  for (let i = 0; i < v.length; i++) v[i]! *= inv
  return v
}

function randomUnit(random: () => number, dims: number): Float32Array {
  return normalize(Float32Array.from({ length: dims }, () => random() - 0.5))
}

/**
 * Neighbours for duplicate finding in big libraries, where one exact query per photo would take minutes:
 * an approximate IVF index that finds nearly all close pairs (duplicates are close; measured recall 0.95 of
 * the pairs at cosine ≥ 0.75 on 100,000 clustered photos) in a few seconds of matrix products.
 */
/**
 * An IVF neighbour index: k-means cells over the embeddings, each photo probing its `nprobe` nearest cells.
 * Building it scores, cell by cell, all the photos that probe a cell against its members in one matrix product,
 * keeping every photo's best `keep` neighbours from cosine `floor` up (a kNN graph); `neighbours` answers from it.
 */
export async function ivfNeighbours(
  photos: ReadonlyArray<Pick<DupePhoto, 'id' | 'embedding'>>,
  mm: MatMul,
  { nprobe = 8, keep = 32, floor = GRAPH_FLOOR }: { nprobe?: number; keep?: number; floor?: number } = {},
): Promise<{ neighbours: NeighbourFn; nlist: number; graphSeconds: number }> {
  const DIMS = photos[0]?.embedding?.length ?? 64
  const n = photos.length
  const nlist = Math.max(16, Math.min(4096, Math.round(n / 100)))
  const data = new Float32Array(n * DIMS)
  photos.forEach((p, i) => data.set(p.embedding!, i * DIMS))
  const random = seededRandom(42)
  const transpose = (m: Float32Array, rows: number) => {
    const t = new Float32Array(m.length)
    for (let r = 0; r < rows; r++) for (let d = 0; d < DIMS; d++) t[d * rows + r] = m[r * DIMS + d]!
    return t
  }
  // k-means (6 rounds) on a sample of 16 points per cell.
  const sampleSize = Math.min(n, nlist * 16)
  const sample = new Float32Array(sampleSize * DIMS)
  for (let s = 0; s < sampleSize; s++) {
    const i = Math.floor(random() * n)
    sample.set(data.subarray(i * DIMS, (i + 1) * DIMS), s * DIMS)
  }
  const centroids = new Float32Array(nlist * DIMS)
  for (let c = 0; c < nlist; c++) {
    const s = Math.floor(random() * sampleSize)
    centroids.set(sample.subarray(s * DIMS, (s + 1) * DIMS), c * DIMS)
  }
  /** The `top` nearest cells of each point, nearest first. */
  const nearestCells = async (points: Float32Array, count: number, top: number): Promise<Int32Array> => {
    const out = new Int32Array(count * top)
    const ct = transpose(centroids, nlist)
    const best = new Float32Array(top)
    for (let start = 0; start < count; start += 4096) {
      const rows = Math.min(4096, count - start)
      const scores = await mm.run(points.subarray(start * DIMS, (start + rows) * DIMS), rows, DIMS, ct, nlist)
      for (let r = 0; r < rows; r++) {
        best.fill(-Infinity)
        const o = (start + r) * top
        for (let c = 0; c < nlist; c++) {
          const s = scores[r * nlist + c]!
          if (s <= best[top - 1]!) continue
          let pos = top - 1
          while (pos > 0 && best[pos - 1]! < s) {
            best[pos] = best[pos - 1]!
            out[o + pos] = out[o + pos - 1]!
            pos--
          }
          best[pos] = s
          out[o + pos] = c
        }
      }
    }
    return out
  }
  for (let iter = 0; iter < 6; iter++) {
    const a = await nearestCells(sample, sampleSize, 1)
    centroids.fill(0)
    for (let s = 0; s < sampleSize; s++)
      for (let d = 0; d < DIMS; d++) centroids[a[s]! * DIMS + d]! += sample[s * DIMS + d]!
    for (let c = 0; c < nlist; c++) {
      const v = centroids.subarray(c * DIMS, (c + 1) * DIMS)
      if (v.every((x) => x === 0)) v.set(randomUnit(random, DIMS))
      normalize(v)
    }
  }
  const probes = await nearestCells(data, n, nprobe)
  const cells: number[][] = Array.from({ length: nlist }, () => [])
  for (let i = 0; i < n; i++) cells[probes[i * nprobe]!]!.push(i)
  const index = new Map(photos.map((p, i) => [p.id, i]))
  const graphIds = new Int32Array(n * keep).fill(-1)
  const graphScores = new Float32Array(n * keep)
  const candidatesOf = (i: number) =>
    Array.from(probes.subarray(i * nprobe, (i + 1) * nprobe)).flatMap((d) => cells[d]!)

  // Cell by cell: every photo probing the cell is scored against the cell's members in one product, and
  // each score offered to that photo's best-`keep` list.
  const probers: number[][] = Array.from({ length: nlist }, () => [])
  for (let i = 0; i < n; i++) for (let t = 0; t < nprobe; t++) probers[probes[i * nprobe + t]!]!.push(i)
  const filled = new Int32Array(n)
  const offer = (i: number, j: number, s: number) => {
    const o = i * keep
    let f = filled[i]!
    if (f === keep && s <= graphScores[o + keep - 1]!) return
    let pos = f < keep ? f++ : keep - 1
    filled[i] = f
    while (pos > 0 && graphScores[o + pos - 1]! < s) {
      graphScores[o + pos] = graphScores[o + pos - 1]!
      graphIds[o + pos] = graphIds[o + pos - 1]!
      pos--
    }
    graphScores[o + pos] = s
    graphIds[o + pos] = j
  }
  const t = performance.now()
  for (let c = 0; c < nlist; c++) {
    const members = cells[c]!
    const queries = probers[c]!
    if (members.length === 0 || queries.length === 0) continue
    const q = new Float32Array(queries.length * DIMS)
    queries.forEach((i, r) => q.set(data.subarray(i * DIMS, (i + 1) * DIMS), r * DIMS))
    const bt = new Float32Array(DIMS * members.length)
    members.forEach((j, col) => {
      for (let d = 0; d < DIMS; d++) bt[d * members.length + col] = data[j * DIMS + d]!
    })
    const scores = await mm.run(q, queries.length, DIMS, bt, members.length)
    for (let r = 0; r < queries.length; r++) {
      const i = queries[r]!
      const row = r * members.length
      for (let col = 0; col < members.length; col++) {
        const score = scores[row + col]!
        if (score >= floor) offer(i, members[col]!, score)
      }
    }
  }
  const graphSeconds = (performance.now() - t) / 1000

  const neighbours: NeighbourFn = async (id, k) => {
    const i = index.get(id)
    if (i === undefined) return []
    if (k <= keep) {
      const out = []
      for (let r = 0; r < k; r++) {
        const j = graphIds[i * keep + r]!
        if (j < 0) break
        out.push({ id: photos[j]!.id, score: graphScores[i * keep + r]! })
      }
      return out
    }
    // Rare (dense clusters of copies): this one query in full, against the cells it probes.
    const scored = candidatesOf(i).map((j) => {
      let s = 0
      for (let d = 0; d < DIMS; d++) s += data[i * DIMS + d]! * data[j * DIMS + d]!
      return { id: photos[j]!.id, score: s }
    })
    return scored
      .filter((x) => x.score >= floor)
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
  }

  return { neighbours, nlist, graphSeconds }
}
