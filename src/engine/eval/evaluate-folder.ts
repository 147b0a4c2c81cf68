import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Engine, type EngineConfig } from '../engine.js'
import { decodeFeature } from '../embed/image-embedder.js'
import { normalizeRows, type Head } from '../head/head.js'
import type { MatMul } from '../linalg/ort-matmul.js'
import { trainAndCompare } from '../personalize/train-and-compare.js'
import type { TrainOptions } from '../train/train-head.js'
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
  /** With a train split: a head trained on part of each class, scored on the rest before and after. */
  training?: {
    trainSplit: number
    trainPhotos: number
    heldOutPhotos: number
    before: { 'mP@5': number }
    after: { 'mP@5': number }
    gain: number
    epochs: number
    settings: Record<string, number>
    seconds: number
  }
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
  config: Omit<EngineConfig, 'libraryDir'> & {
    libraryDir?: string
    trainSplit?: number
    train?: TrainOptions
  },
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
    const unitFeatures = Float32Array.from(features)
    normalizeRows(unitFeatures, head.inputDim)
    const set = { vectors: embeddings, dim: head.outputDim, labels }
    const backbone = { vectors: unitFeatures, dim: head.inputDim, labels }
    return {
      folder: abs,
      metric: 'mP@5',
      model: head.model,
      head: head.version,
      photos: rows.length,
      classes: new Set(labels).size,
      embedding: meanPrecisionAtK(set, set, 5, true),
      backbone: { mpAtK: meanPrecisionAtK(backbone, backbone, 5, true).mpAtK },
      training:
        config.trainSplit === undefined
          ? undefined
          : await trainOnSplit(
              rows.map((r) => r.row.id),
              features,
              labels,
              head,
              config.trainSplit,
              config.train,
              await engine.matmul(),
            ),
      failed: summary.failed,
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    await engine.close()
    if (temporary) await fs.rm(libraryDir, { recursive: true, force: true })
  }
}

async function trainOnSplit(
  ids: string[],
  features: Float32Array,
  labels: string[],
  head: Head,
  trainSplit: number,
  train: TrainOptions = {},
  mm: MatMul,
): Promise<NonNullable<EvalReport['training']>> {
  const classNames = [...new Set(labels)].sort()
  const c = await trainAndCompare(
    { ids, features, dim: head.inputDim, labels: labels.map((l) => [classNames.indexOf(l)]), classNames },
    head,
    mm,
    { ...train, trainFraction: trainSplit },
  )
  return {
    trainSplit,
    trainPhotos: c.trainPhotos,
    heldOutPhotos: c.heldOutPhotos,
    before: { 'mP@5': c.before },
    after: { 'mP@5': c.after },
    gain: c.after - c.before,
    epochs: c.train.settings.epochs,
    settings: { ...c.train.settings },
    seconds: c.seconds,
  }
}
