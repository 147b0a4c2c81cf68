/**
 * `tessera eval`: scores retrieval on a labelled folder (every subfolder is a class) with the GUIE metric,
 * leave-one-out, in a temporary library built for that folder alone and removed afterwards. Labels come
 * only from the folder's subfolders.
 *
 * The user's library, when one is given, is only read, never changed: its settings (the model it uses), its
 * model pack (copied), and the stored features of photos whose content (sha256) matches a file of the
 * folder, computed with that model. Those photos are not decoded nor embedded again: the temporary
 * library's decoder hands the indexer a stand-in for them, and its feature extractor answers the stand-in
 * with the stored feature, bytes for bytes what the extractor would compute. The rest is decoded and
 * embedded as usual. So the temporary library, its head and the scores are the same either way; only the
 * time differs.
 *
 * The engine is not imported here: the caller passes `open` (the CLI: `createEngine` with the node
 * adapters) and `openSource`, so evaluation sits below the engine instead of beside it.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { decodeFeature } from '../embed/image-embedder.js'
import { normalizeRows, type Head } from '../head/head.js'
import { libraryLayout } from '../library/paths.js'
import { defaultSettings, loadSettings, saveSettings } from '../library/settings.js'
import type { MatMul } from '../linalg/ort-matmul.js'
import type { FeatureExtractor, FeatureExtractorFactory, PhotoDecoder } from '../ports.js'
import { walkRoots } from '../scan/walk.js'
import { trainAndCompare } from '../personalize/train-and-compare.js'
import type { TrainOptions } from '../train/train-head.js'
import { sqlString, type PhotoRow } from '../store/photo-store.js'
import { meanPrecisionAtK, type RetrievalScore } from './retrieval-metric.js'
import { canonicalPath } from '../library/canonical-path.js'

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

/** The adapters evaluation wraps to reuse stored features. */
export interface EvalAdapters {
  decoder: PhotoDecoder
  featureExtractor: FeatureExtractorFactory
}

/** Applied by `open` to the adapters of the temporary library. */
export type WrapAdapters = <A extends EvalAdapters>(adapters: A) => A

/** What evaluation reads from the user's library (opened read-only). */
export interface SourceLibrary {
  readonly store: { query(where: string): Promise<PhotoRow[]> }
  close(): Promise<void>
}

export interface EvalOptions {
  /** Creates and opens the temporary library in `libraryDir`, its adapters passed through `wrap`. */
  open: (libraryDir: string, wrap: WrapAdapters) => Promise<EvalLibrary>
  /** The user's library: its model (and installed pack) are used, its stored features reused. Never written. */
  sourceLibrary?: string
  /** Opens `sourceLibrary` read-only (only called when it holds a photo table). */
  openSource?: (libraryDir: string) => Promise<SourceLibrary>
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
  /** Photos whose features came from the given library instead of being computed (0 without one). */
  reusedFeatures: number
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
async function prepareTemporary(dir: string, source: string | undefined): Promise<string | null> {
  if (source === undefined) return null
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
  return settings.model
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** Content hash → feature model (with its version) → stored feature. */
type StoredFeatures = Map<string, Map<string, Uint8Array>>

/** Stored features of the source library's photos whose content matches a file of `folder`. */
async function storedFeatures(
  folder: string,
  scratch: string,
  options: EvalOptions,
): Promise<StoredFeatures> {
  const found: StoredFeatures = new Map()
  const source = options.sourceLibrary && path.resolve(options.sourceLibrary)
  if (!source || !options.openSource) return found
  const hasTable = await fs.stat(libraryLayout(source).db).then(
    () => true,
    () => false,
  )
  if (!hasTable) return found
  const { files } = await walkRoots([folder], scratch)
  const hashes: string[] = []
  for (const file of files) {
    if (!file.statError) hashes.push(sha256(await fs.readFile(file.path).catch(() => new Uint8Array(0))))
  }
  if (hashes.length === 0) return found
  const library = await options.openSource(source)
  try {
    for (let i = 0; i < hashes.length; i += 500) {
      const list = hashes
        .slice(i, i + 500)
        .map(sqlString)
        .join(', ')
      const rows = await library.store.query(`status = 'ok' AND hash IN (${list})`)
      for (const row of rows) {
        if (!row.hash || !row.feature || !row.featureModel) continue
        const byModel = found.get(row.hash) ?? new Map<string, Uint8Array>()
        byModel.set(row.featureModel, Uint8Array.from(row.feature))
        found.set(row.hash, byModel)
      }
    }
  } finally {
    await library.close()
  }
  return found
}

/**
 * Adapters that take `stored` features instead of decoding and embedding those photos (see the file
 * comment). The decoder hands the indexer a stand-in for a photo with stored features; the extractor
 * answers it with the stored feature of the model it runs, or, when there is none for that model, decodes
 * the kept bytes then and embeds them. `reused` counts the stored features used.
 */
function reuseFeatures(stored: StoredFeatures, reused: { count: number }): WrapAdapters {
  return <A extends EvalAdapters>(adapters: A): A => {
    if (stored.size === 0) return adapters
    type StandIn = {
      byModel: Map<string, Uint8Array>
      file: Buffer
      opts: { inputSize: number; name: string }
    }
    const standIns = new WeakMap<Uint8Array, StandIn>()
    const decoder: PhotoDecoder = {
      read: (file) => adapters.decoder.read(file),
      async decode(file, opts) {
        const byModel = stored.get(sha256(file))
        if (!byModel) return adapters.decoder.decode(file, opts)
        const modelInput = new Uint8Array(0)
        standIns.set(modelInput, { byModel, file, opts })
        // Nothing of this reaches the score: only the feature does (a throwaway library's thumbnail,
        // fingerprints and metadata).
        return {
          format: path.extname(opts.name).slice(1).toLowerCase(),
          width: 0,
          height: 0,
          modelInput,
          thumbnail: Buffer.alloc(0),
          phash: '0'.repeat(16),
          dhash: '0'.repeat(16),
          metadata: { takenAt: null, cameraMake: null, cameraModel: null, gps: null, orientation: 1 },
        }
      },
    }
    const featureExtractor: FeatureExtractorFactory = async (opts) => {
      const result = await adapters.featureExtractor(opts)
      if (!result.ok) return result
      const inner = result.extractor
      const extractor: FeatureExtractor = {
        model: inner.model,
        inputSize: inner.inputSize,
        dim: inner.dim,
        codec: inner.codec,
        provider: inner.provider,
        attempts: inner.attempts,
        async embed(inputs) {
          const out: Array<Uint8Array | null> = []
          const toCompute: Uint8Array[] = []
          for (const input of inputs) {
            const standIn = standIns.get(input)
            const feature = standIn?.byModel.get(inner.model)
            if (feature) {
              reused.count++
              out.push(feature)
              continue
            }
            out.push(null)
            // No stored feature for this model after all: decode it now.
            toCompute.push(
              standIn ? (await adapters.decoder.decode(standIn.file, standIn.opts)).modelInput : input,
            )
          }
          const fresh = toCompute.length > 0 ? await inner.embed(toCompute) : []
          let next = 0
          return out.map((feature) => feature ?? fresh[next++]!)
        },
        close: () => inner.close(),
      }
      return { ok: true, extractor }
    }
    return { ...adapters, decoder, featureExtractor }
  }
}

/** Indexes `folder` into a temporary library and scores retrieval on it; see the file comment. */
export async function evaluateFolder(folder: string, options: EvalOptions): Promise<EvalReport> {
  const started = performance.now()
  // Real path: the temporary library stores its files by real path, and classes are folders below this.
  const abs = canonicalPath(folder)
  const classes = (await fs.readdir(abs, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && !e.name.startsWith('.'),
  )
  if (classes.length < 2)
    throw new Error(`${folder} needs at least two subfolders (one per class) to evaluate retrieval.`)
  const libraryDir = await fs.mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'tessera-eval-'))
  try {
    const model = await prepareTemporary(libraryDir, options.sourceLibrary)
    const stored: StoredFeatures = model ? await storedFeatures(abs, libraryDir, options) : new Map()
    const reused = { count: 0 }
    const library = await options.open(libraryDir, reuseFeatures(stored, reused))
    try {
      return { ...(await score(abs, library, options, started)), reusedFeatures: reused.count }
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
): Promise<Omit<EvalReport, 'reusedFeatures'>> {
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
