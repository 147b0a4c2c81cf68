import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Engine, type EngineConfig } from '../engine.js'
import { decodeFeature } from '../embed/image-embedder.js'
import { normalizeRows } from '../head/head.js'
import type { PhotoRow } from '../store/photo-store.js'
import { meanPrecisionAtK, type RetrievalScore } from './retrieval-metric.js'

export interface EvalReport {
  folder: string
  metric: 'mP@5'
  model: string
  head: string | null
  photos: number
  classes: number
  /** Leave-one-out mP@5 with the library's 64-d embeddings (what search uses). */
  embedding: RetrievalScore
  /** The same with the raw backbone feature, for comparison. */
  backbone: { mpAtK: number }
  failed: Array<{ path: string; reason: string }>
  seconds: number
}

/** The class of a photo: the first folder below the labelled folder. */
export function classOf(folder: string, photo: string): string | null {
  const rel = path.relative(folder, photo).split(path.sep)
  return rel.length >= 2 ? rel[0]! : null
}

export function labelledRows(folder: string, rows: PhotoRow[]): Array<{ row: PhotoRow; label: string }> {
  return rows
    .map((row) => ({ row, label: classOf(folder, row.path) }))
    .filter((x): x is { row: PhotoRow; label: string } => x.label !== null && x.row.embedding !== null)
    .sort((a, b) => a.row.path.localeCompare(b.row.path))
}

/**
 * `tessera eval`: indexes a labelled folder (every subfolder is a class) into a library — a temporary one
 * unless `libraryDir` is given — and scores retrieval with the GUIE metric, leave-one-out.
 */
export async function evaluateFolder(
  folder: string,
  config: Omit<EngineConfig, 'libraryDir'> & { libraryDir?: string },
): Promise<EvalReport> {
  const started = performance.now()
  const abs = path.resolve(folder)
  const classes = (await fs.readdir(abs, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && !e.name.startsWith('.'),
  )
  if (classes.length < 2)
    throw new Error(`${folder} needs at least two subfolders (one per class) to evaluate retrieval.`)
  const temporary = config.libraryDir === undefined
  const libraryDir = config.libraryDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-eval-')))
  const engine = await Engine.open({ ...config, libraryDir })
  try {
    const summary = await engine.index([abs])
    if (summary.pendingReason) throw new Error(`No embeddings to evaluate: ${summary.pendingReason}`)
    const rows = labelledRows(abs, await engine.store.query(`status = 'ok'`))
    const head = await engine.heads.current()
    if (!head) throw new Error('The library has no embedding head yet.')
    const labels = rows.map((r) => r.label)
    const embeddings = new Float32Array(rows.length * head.outputDim)
    rows.forEach((r, i) => embeddings.set(r.row.embedding!, i * head.outputDim))
    const features = new Float32Array(rows.length * head.inputDim)
    rows.forEach((r, i) => decodeFeature(r.row.feature!, head.codec, features, i * head.inputDim))
    normalizeRows(features, head.inputDim)
    const set = { vectors: embeddings, dim: head.outputDim, labels }
    return {
      folder: abs,
      metric: 'mP@5',
      model: head.model,
      head: head.version,
      photos: rows.length,
      classes: new Set(labels).size,
      embedding: meanPrecisionAtK(set, set, 5, true),
      backbone: {
        mpAtK: meanPrecisionAtK(
          { vectors: features, dim: head.inputDim, labels },
          { vectors: features, dim: head.inputDim, labels },
          5,
          true,
        ).mpAtK,
      },
      failed: summary.failed,
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    await engine.close()
    if (temporary) await fs.rm(libraryDir, { recursive: true, force: true })
  }
}
