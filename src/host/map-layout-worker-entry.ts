/**
 * The worker side of map-layout.ts: UMAP of a sample of the embeddings, then every other photo placed among
 * its three most similar sampled photos. Posts `{ progress }` now and then and `{ done }` (moved) at the end.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { UMAP } from 'umap-js'

export interface MapJob {
  /** Row-major count × dim, L2-normalised. */
  vectors: Float32Array
  count: number
  dim: number
  seed: number
  /** At most this many photos go through UMAP itself. */
  sample: number
}

export type MapMessage = { progress: number; done?: undefined } | { done: Float32Array; progress?: undefined }

const port = parentPort
if (!port) throw new Error('map-layout-worker-entry runs in a worker thread (see map-layout.ts).')
const post = (m: MapMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer)

const { vectors, count, dim, seed, sample } = workerData as MapJob

/** mulberry32: a small seeded generator, so a layout is reproducible. */
let state = seed >>> 0 || 1
const random = (): number => {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const row = (i: number) => vectors.subarray(i * dim, (i + 1) * dim)

const order = Array.from({ length: count }, (_, i) => i)
for (let i = count - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[order[i], order[j]] = [order[j]!, order[i]!]
}
const picked = order.slice(0, Math.min(sample, count)).sort((a, b) => a - b)
const xy = new Float32Array(count * 2)
if (picked.length < 4) {
  // Too few photos for a neighbourhood graph: spread them on a line.
  picked.forEach((p, i) => {
    xy[p * 2] = picked.length === 1 ? 0.5 : i / (picked.length - 1)
    xy[p * 2 + 1] = 0.5
  })
} else {
  const data = picked.map((p) => Array.from(row(p)))
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, picked.length - 1), minDist: 0.1, random })
  const epochs = umap.initializeFit(data)
  for (let e = 0; e < epochs; e++) {
    umap.step()
    if (e % 10 === 0) post({ progress: 0.9 * (e / epochs) })
  }
  const embedding = umap.getEmbedding()
  picked.forEach((p, i) => {
    xy[p * 2] = embedding[i]![0]!
    xy[p * 2 + 1] = embedding[i]![1]!
  })
}

// Everyone else: among their three most similar sampled photos.
const inSample = new Uint8Array(count)
for (const p of picked) inSample[p] = 1
let placed = 0
for (let i = 0; i < count; i++) {
  if (inSample[i]) continue
  const v = row(i)
  const best: Array<[score: number, photo: number]> = [
    [-Infinity, 0],
    [-Infinity, 0],
    [-Infinity, 0],
  ]
  for (const p of picked) {
    const u = row(p)
    let s = 0
    for (let d = 0; d < dim; d++) s += v[d]! * u[d]!
    if (s > best[2]![0]) {
      best[2] = [s, p]
      best.sort((a, b) => b[0] - a[0])
    }
  }
  let wx = 0
  let wy = 0
  let w = 0
  for (const [s, p] of best) {
    if (s === -Infinity) continue
    const weight = Math.exp(8 * s)
    wx += weight * xy[p * 2]!
    wy += weight * xy[p * 2 + 1]!
    w += weight
  }
  xy[i * 2] = wx / w + (random() - 0.5) * 1e-3
  xy[i * 2 + 1] = wy / w + (random() - 0.5) * 1e-3
  if (++placed % 2000 === 0) post({ progress: 0.9 + 0.1 * (placed / (count - picked.length)) })
}
post({ done: xy }, [xy.buffer])
