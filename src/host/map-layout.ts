/**
 * The library's 2-D similarity map: UMAP (umap-js) of the embeddings, in a worker thread so the host
 * keeps answering while it runs. UMAP in JavaScript is quadratic-ish in memory and slow past a few
 * thousand points, so a large library is laid out on a random sample and every other photo is placed
 * among its three nearest sampled photos (weighted by similarity), which keeps neighbourhoods intact.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

export interface MapInput {
  /** Row-major count × dim, L2-normalised embeddings. */
  vectors: Float32Array
  count: number
  dim: number
}

export interface MapOptions {
  onProgress?: (fraction: number) => void
  seed?: number
  /** At most this many photos go through UMAP itself (default 3,000). */
  sample?: number
}

// Runs as a CommonJS script in the worker (eval), so no build step has to emit a separate entry file.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads')
const { UMAP } = require(workerData.umapPath)
const { vectors, count, dim, seed, sample } = workerData
let state = seed >>> 0 || 1
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const row = (i) => vectors.subarray(i * dim, (i + 1) * dim)
const order = Array.from({ length: count }, (_, i) => i)
for (let i = count - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  const t = order[i]; order[i] = order[j]; order[j] = t
}
const picked = order.slice(0, Math.min(sample, count)).sort((a, b) => a - b)
const xy = new Float32Array(count * 2)
if (picked.length < 4) {
  // Too few photos for a neighbourhood graph: spread them on a line.
  picked.forEach((p, i) => { xy[p * 2] = picked.length === 1 ? 0.5 : i / (picked.length - 1); xy[p * 2 + 1] = 0.5 })
} else {
  const data = picked.map((p) => Array.from(row(p)))
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, picked.length - 1), minDist: 0.1, random })
  const epochs = umap.initializeFit(data)
  for (let e = 0; e < epochs; e++) {
    umap.step()
    if (e % 10 === 0) parentPort.postMessage({ progress: 0.9 * (e / epochs) })
  }
  const emb = umap.getEmbedding()
  picked.forEach((p, i) => { xy[p * 2] = emb[i][0]; xy[p * 2 + 1] = emb[i][1] })
}
// Everyone else: among their three most similar sampled photos.
const inSample = new Uint8Array(count)
for (const p of picked) inSample[p] = 1
let placed = 0
for (let i = 0; i < count; i++) {
  if (inSample[i]) continue
  const v = row(i)
  const best = [[-Infinity, 0], [-Infinity, 0], [-Infinity, 0]]
  for (const p of picked) {
    const u = row(p)
    let s = 0
    for (let d = 0; d < dim; d++) s += v[d] * u[d]
    if (s > best[2][0]) { best[2] = [s, p]; best.sort((a, b) => b[0] - a[0]) }
  }
  let wx = 0, wy = 0, w = 0
  for (const [s, p] of best) {
    if (s === -Infinity) continue
    const weight = Math.exp(8 * s)
    wx += weight * xy[p * 2]; wy += weight * xy[p * 2 + 1]; w += weight
  }
  xy[i * 2] = wx / w + (random() - 0.5) * 1e-3
  xy[i * 2 + 1] = wy / w + (random() - 0.5) * 1e-3
  if (++placed % 2000 === 0) parentPort.postMessage({ progress: 0.9 + 0.1 * (placed / (count - picked.length)) })
}
parentPort.postMessage({ done: xy }, [xy.buffer])
`

/** Interleaved x, y per photo, each scaled into [0, 1] (aspect kept, centred). */
export async function computeMapLayout(input: MapInput, options: MapOptions = {}): Promise<Float32Array> {
  const { vectors, count, dim } = input
  if (count === 0) return new Float32Array(0)
  const umapPath = createRequire(import.meta.url).resolve('umap-js')
  const raw = await new Promise<Float32Array>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        umapPath,
        vectors: vectors.slice(0, count * dim),
        count,
        dim,
        seed: options.seed ?? 42,
        sample: options.sample ?? 3000,
      },
    })
    worker.on('message', (msg: { progress?: number; done?: Float32Array }) => {
      if (msg.done) resolve(msg.done)
      else if (msg.progress !== undefined) options.onProgress?.(msg.progress)
    })
    worker.on('error', reject)
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`The map layout worker stopped (exit ${code}).`))
    })
  })
  return normaliseUnitSquare(raw)
}

/** Scales points into [0, 1]² keeping their aspect, centred on the shorter side. */
export function normaliseUnitSquare(xy: Float32Array): Float32Array {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity
  for (let i = 0; i < xy.length; i += 2) {
    minX = Math.min(minX, xy[i]!)
    maxX = Math.max(maxX, xy[i]!)
    minY = Math.min(minY, xy[i + 1]!)
    maxY = Math.max(maxY, xy[i + 1]!)
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1
  const offX = (span - (maxX - minX)) / 2
  const offY = (span - (maxY - minY)) / 2
  const out = new Float32Array(xy.length)
  for (let i = 0; i < xy.length; i += 2) {
    out[i] = (xy[i]! - minX + offX) / span
    out[i + 1] = (xy[i + 1]! - minY + offY) / span
  }
  return out
}
