/**
 * The library's 2-D similarity map: UMAP (umap-js) of the embeddings, in a worker thread so the host
 * keeps answering while it runs. UMAP in JavaScript is quadratic-ish in memory and slow past a few
 * thousand points, so a large library is laid out on a random sample and every other photo is placed
 * among its three nearest sampled photos (weighted by similarity), which keeps neighbourhoods intact.
 * The worker is map-layout-worker-entry.ts beside this file (see engine/worker-module.ts).
 */
import { startModuleWorker } from '../engine/worker-module.js'
import type { MapJob, MapMessage } from './map-layout-worker-entry.js'

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

/** Interleaved x, y per photo, each scaled into [0, 1] (aspect kept, centred). */
export async function computeMapLayout(input: MapInput, options: MapOptions = {}): Promise<Float32Array> {
  const { vectors, count, dim } = input
  if (count === 0) return new Float32Array(0)
  const raw = await new Promise<Float32Array>((resolve, reject) => {
    const job: MapJob = {
      vectors: vectors.slice(0, count * dim),
      count,
      dim,
      seed: options.seed ?? 42,
      sample: options.sample ?? 3000,
    }
    const worker = startModuleWorker('map-layout-worker-entry', import.meta.url, {
      workerData: job,
      transferList: [job.vectors.buffer as ArrayBuffer],
    })
    worker.on('message', (msg: MapMessage) => {
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
