/**
 * `tessera eval`: scores retrieval on a labelled folder (every subfolder is a class) with the GUIE metric,
 * leave-one-out, in a temporary library built for that folder alone and removed afterwards. The user's
 * library is never changed: when one is given, only its settings and model pack are read, so the folder is
 * evaluated with the model that library uses. Labels come only from the folder's subfolders.
 *
 * The engine is not imported here: the caller passes `open`, which opens a library (`Engine.open` in the
 * CLI), so evaluation sits below the engine instead of beside it.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { decodeFeature } from '../embed/image-embedder.js'
import { normalizeRows, type Head } from '../head/head.js'
import { libraryLayout } from '../library/paths.js'
import { defaultSettings, loadSettings, saveSettings } from '../library/settings.js'
import type { MatMul } from '../linalg/ort-matmul.js'
import { trainAndCompare } from '../personalize/train-and-compare.js'
import type { TrainOptions } from '../train/train-head.js'
import type { PhotoRow } from '../store/photo-store.js'
import { meanPrecisionAtK, type RetrievalScore } from './retrieval-metric.js'

/** What evaluation needs of an open library (an `Engine` has all of it). */
export interface EvalLibrary {
  index(folders: string[]): Promise<{
    failed: Array<{ path: string; reason: string }>
    pendingReason: string | null
  }>
  readonly store: { query(where: string): Promise<PhotoRow[]> }
  readonly heads: { current(): Promise<Head | null> }
  matmul(): Promise<MatMul>
  close(): Promise<void>
}

export interface EvalOptions {
  /** Opens (creating it) the library in `libraryDir`; evaluation opens only its temporary library. */
  open: (libraryDir: string) => Promise<EvalLibrary>
  /** The user's library: its model (and installed pack) are used. Read only, never written. */
  sourceLibrary?: string
  /** Train a head on this fraction of each class and score the rest before and after. */
  trainSplit?: number
  train?: TrainOptions
  /** Where the temporary library goes (default: the OS temp folder). */
  tmpDir?: string
}

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
 * Prepares an empty temporary library that uses the source library's model: its settings (model and
 * providers only, no roots, no head) and a copy of its installed pack, if any. Reads the source only.
 */
async function prepareTemporary(dir: string, source: string | undefined): Promise<void> {
  if (source === undefined) return
  const from = libraryLayout(path.resolve(source))
  const to = libraryLayout(dir)
  const settings = await loadSettings(from.settings)
  await saveSettings(to.settings, {
    ...defaultSettings(),
    model: settings.model,
    providers: settings.providers,
  })
  const pack = path.join(from.packs, settings.model)
  const installed = await fs.stat(pack).then(
    (s) => s.isDirectory(),
    () => false,
  )
  if (installed) await fs.cp(pack, path.join(to.packs, settings.model), { recursive: true })
}

/** Indexes `folder` into a temporary library and scores retrieval on it; see the file comment. */
export async function evaluateFolder(folder: string, options: EvalOptions): Promise<EvalReport> {
  const started = performance.now()
  const abs = path.resolve(folder)
  const classes = (await fs.readdir(abs, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && !e.name.startsWith('.'),
  )
  if (classes.length < 2)
    throw new Error(`${folder} needs at least two subfolders (one per class) to evaluate retrieval.`)
  const libraryDir = await fs.mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'tessera-eval-'))
  try {
    await prepareTemporary(libraryDir, options.sourceLibrary)
    const library = await options.open(libraryDir)
    try {
      return await score(abs, library, options, started)
    } finally {
      await library.close()
    }
  } finally {
    await fs.rm(libraryDir, { recursive: true, force: true })
  }
}

async function score(
  abs: string,
  library: EvalLibrary,
  options: EvalOptions,
  started: number,
): Promise<EvalReport> {
  const summary = await library.index([abs])
  if (summary.pendingReason) throw new Error(`No embeddings to evaluate: ${summary.pendingReason}`)
  const rows = labelledRows(abs, await library.store.query(`status = 'ok'`))
  const head = await library.heads.current()
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
      options.trainSplit === undefined
        ? undefined
        : await trainOnSplit(
            rows.map((r) => r.row.id),
            features,
            labels,
            head,
            options.trainSplit,
            options.train,
            await library.matmul(),
          ),
    failed: summary.failed,
    seconds: (performance.now() - started) / 1000,
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
