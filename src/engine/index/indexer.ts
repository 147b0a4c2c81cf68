import { createHash, randomUUID } from 'node:crypto'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { ExtractorResult, FeatureExtractor, PhotoDecoder, ProgressEvent } from '../ports.js'
import type { IndexState, PhotoRow } from '../store/photo-store.js'
import { blankPhotoRow, type PhotoStore } from '../store/photo-store.js'
import type { ThumbnailCache } from '../store/thumbnail-cache.js'
import type { DecodedPhoto } from '../types.js'
import { planScan } from '../scan/plan.js'
import type { FoundFile } from '../scan/walk.js'
import type { HeadManager } from '../head/head-manager.js'
import { commitRows, failpoint } from '../library/failpoint.js'
import { captureDate } from '../dates/capture-date.js'
import { fillDates } from '../dates/fill-dates.js'
import { fillPlaces } from '../places/fill-places.js'

export interface IndexReport {
  /** Files decoded and stored this run (new, changed content, or embeddings computed). */
  indexed: number
  unchanged: number
  removed: number
  /** Files recognised as renamed or moved (kept their identity, not decoded). */
  moved: number
  /** Exact copies of a photo already in the library (not decoded again). */
  copies: number
  /** Files whose content was re-checked after a size/mtime change but turned out identical. */
  touched: number
  /** How many files were actually decoded. */
  decoded: number
  failed: Array<{ path: string; reason: string }>
  /** Photos stored without an embedding because no model pack is available (computed later). */
  pending: number
  pendingReason: string | null
}

interface Job {
  file: FoundFile
  /** The row this file already is (same path), if any. */
  row?: IndexState
  /** Reuse this id (rename or same path). */
  id?: string
}

export interface IndexerDeps {
  store: PhotoStore
  thumbnails: ThumbnailCache
  decoder: PhotoDecoder
  /** `packId@version` of the installed pack, cheaply (no session), or null when it is not installed. */
  installedModel: () => Promise<string | null>
  /** Opened only when something needs embedding (or to install a missing pack); a reason when it cannot be. */
  extractor: () => Promise<ExtractorResult>
  heads: HeadManager
  /**
   * Labels (stored form) for a batch of features of `model` as it is embedded, or null (no classifier):
   * labelled here, the run leaves nothing for the label fill after it. Optional; a failure leaves them null.
   */
  labelFeatures?: (model: string, features: readonly Uint8Array[]) => Promise<string[] | null>
  onProgress?: (event: ProgressEvent) => void
  signal?: AbortSignal
}

/** How many files are read and decoded at once, and how many are embedded in one inference batch. */
const DECODE_CONCURRENCY = 3
const EMBED_BATCH = 8
/**
 * Decoded photos waiting for inference (their model inputs, 150 KB each: 19 MB at most). Room for a few
 * seconds of decoding, so the decodes keep both cores busy while the inference session is still opening
 * (the model pack installed, onnxruntime loaded in its worker): with room for 32 they stopped after a second.
 */
const EMBED_QUEUE = 128
/** Commit to the store after this many rows or this many milliseconds, whichever comes first. */
const COMMIT_ROWS = commitRows(128)
const COMMIT_MS = 2000

const NOT_NEEDED = 'not needed'

function errorInfo(error: unknown): { code: string; reason: string } {
  const e = error as { code?: unknown; reason?: unknown; message?: unknown }
  if (typeof e.reason === 'string')
    return { code: typeof e.code === 'string' ? e.code : 'corrupt', reason: e.reason }
  return { code: 'corrupt', reason: `The file could not be decoded: ${String(e.message ?? error)}` }
}

/**
 * SHA-256 of the file, in hex, on this thread: ~0.6 ms a megabyte (SHA extensions). WebCrypto would run it
 * on the thread pool, but copies the whole file first (its jobs own their input), which cost more CPU in
 * all than the hash itself; the event loop is mostly idle while indexing (it waits for decodes).
 */
function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * Identifies a file with more than one hard link by its inode and, like a rescan, its size and time; null for
 * a file with one link (nothing else can share its bytes) or one that cannot be examined (the read then says
 * why). A `stat` is a small fraction of reading and hashing a photo.
 */
async function linkKey(file: string): Promise<string | null> {
  try {
    const s = await stat(file, { bigint: true })
    return s.nlink > 1n && s.isFile() ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}` : null
  } catch {
    return null
  }
}

function emptyRow(id: string, file: FoundFile): PhotoRow {
  return blankPhotoRow({ id, path: file.path, root: file.root, size: file.size, mtimeMs: file.mtimeMs })
}

function failedRow(id: string, file: FoundFile, hash: string | null, code: string, reason: string): PhotoRow {
  return { ...emptyRow(id, file), hash, status: 'failed', errorCode: code, error: reason }
}

/**
 * The row of an exact copy of `twin`: its results, with the copy's own identity and file facts. A copy's
 * name and file time are its own, so a date taken from them is taken again.
 */
function copyRow(twin: PhotoRow, id: string, file: FoundFile): PhotoRow {
  const own =
    twin.dateSource === 'filename' || twin.dateSource === 'mtime'
      ? captureDate({ fileName: path.basename(file.path), mtimeMs: file.mtimeMs })
      : null
  return {
    ...twin,
    ...own,
    id,
    path: file.path,
    root: file.root,
    size: file.size,
    mtimeMs: file.mtimeMs,
    indexedAt: Date.now(),
  }
}

/**
 * What became of a file this run decodes, for the copies of it found meanwhile: its final row (embedded, or
 * pending without a model), the decode failure every copy shares, or null when the run stopped first.
 */
type Outcome = { row: PhotoRow } | { code: string; reason: string } | null

function decodedRow(id: string, file: FoundFile, hash: string, d: DecodedPhoto): PhotoRow {
  const m = d.metadata
  // EXIF, else the file name, else the file time (dates/capture-date.ts).
  const date = captureDate({
    metadata: { takenAt: m.takenAt, dateSource: m.dateSource ?? null },
    fileName: path.basename(file.path),
    mtimeMs: file.mtimeMs,
  })
  return {
    ...emptyRow(id, file),
    hash,
    format: d.format,
    width: d.width,
    height: d.height,
    takenAt: date.takenAt,
    dateSource: date.dateSource,
    cameraMake: m.cameraMake,
    cameraModel: m.cameraModel,
    latitude: m.gps?.latitude ?? null,
    longitude: m.gps?.longitude ?? null,
    altitude: m.gps?.altitude ?? null,
    phash: d.phash,
    dhash: d.dhash,
  }
}

/** A bounded queue: producers wait while it is full, which bounds memory. */
class BoundedQueue<T> {
  private items: T[] = []
  private waitingPut: Array<() => void> = []
  private waitingTake: Array<() => void> = []
  private closed = false
  constructor(private readonly capacity: number) {}

  async put(item: T): Promise<void> {
    while (this.items.length >= this.capacity) await new Promise<void>((r) => this.waitingPut.push(r))
    this.items.push(item)
    this.waitingTake.shift()?.()
  }

  /** Takes up to `max` items, waiting for at least one; empty array once closed and drained. */
  async take(max: number): Promise<T[]> {
    while (this.items.length === 0 && !this.closed) await new Promise<void>((r) => this.waitingTake.push(r))
    const out = this.items.splice(0, max)
    for (let i = 0; i < out.length; i++) this.waitingPut.shift()?.()
    return out
  }

  close(): void {
    this.closed = true
    for (const r of this.waitingTake.splice(0)) r()
  }
}

/**
 * Brings the store in line with the files on disk: decodes and embeds what is new or changed, recognises
 * renames and copies by content hash, removes what is gone. Decoding (libvips threads) overlaps inference
 * (onnxruntime threads) through a bounded queue; rows are committed in batches, each one atomic, so a
 * crash at any moment loses at most the uncommitted batch, which the next run redoes.
 */
export class Indexer {
  constructor(private readonly deps: IndexerDeps) {}

  /**
   * @param scopeRows the rows this run is responsible for (their files may have changed or gone)
   * @param found the photo files that exist now in that scope
   * @param libraryRows every row of the library, to recognise exact copies of photos outside the scope
   */
  async run(
    scopeRows: readonly IndexState[],
    found: readonly FoundFile[],
    libraryRows: readonly IndexState[] = scopeRows,
  ): Promise<IndexReport> {
    const { store, signal } = this.deps
    let model = await this.deps.installedModel()
    const plan = planScan(scopeRows, found, model)
    const needsWork = plan.reembed.length + plan.changed.length + plan.fresh.length > 0
    const report: IndexReport = {
      indexed: 0,
      unchanged: plan.unchanged.length,
      removed: 0,
      moved: 0,
      copies: 0,
      touched: 0,
      decoded: 0,
      failed: [],
      pending: 0,
      pendingReason: null,
    }
    const stillFailing = plan.unchanged.filter((r) => r.status === 'failed').map((r) => r.id)
    for (const row of await store.get(stillFailing)) {
      report.failed.push({ path: row.path, reason: row.error ?? 'The file could not be read.' })
    }

    // Content hash → a decoded row with the current model: copies reuse its results (a map, because a
    // store query per new file would scan the table each time).
    const decodedByHash = new Map<string, string>()
    for (const row of libraryRows) {
      if (row.hash && row.status === 'ok' && row.featureModel !== null && !decodedByHash.has(row.hash))
        decodedByHash.set(row.hash, row.id)
    }
    const missingByHash = new Map<string, IndexState[]>()
    for (const row of plan.missing) {
      if (row.hash) missingByHash.set(row.hash, [...(missingByHash.get(row.hash) ?? []), row])
    }
    const jobs: Job[] = [
      ...plan.reembed.map(({ row, file }) => ({ file, row, id: row.id })),
      ...plan.changed.map(({ row, file }) => ({ file, row, id: row.id })),
      ...plan.fresh.map((file) => ({ file })),
    ]
    let done = 0
    const progress = (p?: string) =>
      this.deps.onProgress?.({ phase: 'index', done, total: jobs.length, path: p })
    progress()

    // An unchanged rescan must stay cheap: the inference session is only created when there is work for
    // it, or when the pack is missing (to install it, so pending embeddings get computed). Opening it (and
    // installing the pack on first use) overlaps the first decodes instead of delaying them; what depends on
    // the model waits for `settled`.
    let extractor: FeatureExtractor | null = null
    // The model input size the decodes use until the extractor is known (every pack we ship uses 224); a
    // photo decoded at another size is decoded again once it is.
    let inputSize = 224
    let openError: unknown = null
    const ready = (
      model === null || needsWork
        ? this.deps.extractor()
        : Promise.resolve<ExtractorResult>({ ok: false, reason: NOT_NEEDED })
    ).then((result) => {
      extractor = result.ok ? result.extractor : null
      if (!result.ok && result.reason !== NOT_NEEDED) report.pendingReason = result.reason
      if (extractor) inputSize = extractor.inputSize
      if (extractor && extractor.model !== model) {
        // Rows embedded with another model (or none) now need this one: more jobs for the same run.
        model = extractor.model
        const queued = new Set(jobs.flatMap((j) => (j.row ? [j.row.id] : [])))
        const again = planScan(scopeRows, found, model)
        for (const { row, file } of again.reembed)
          if (!queued.has(row.id)) jobs.push({ file, row, id: row.id })
        report.unchanged = again.unchanged.filter((r) => !queued.has(r.id)).length
        progress()
      }
    })
    // Settles either way: a failure to open stops the workers, and is thrown once they have stopped.
    ready.catch((error: unknown) => void (openError = error ?? new Error('The model could not be opened.')))
    const settled = ready.catch(() => undefined)

    const pendingRows: PhotoRow[] = []
    /** Ids this run made up: no row has them yet. */
    const newIds = new Set<string>()
    const pendingPatches: Array<Partial<PhotoRow> & { id: string }> = []
    let lastCommit = Date.now()
    let committing: Promise<void> = Promise.resolve()
    /** Rows and patches handed to commits that have not finished yet. */
    let unwritten = 0
    let commitFailed = false
    // Commits are serialised: the decode workers and the embed loop both call this. The run ends with
    // commit(true), which throws the error of any commit that failed.
    const commit = (force: boolean): Promise<void> => {
      const size = pendingRows.length + pendingPatches.length
      if (size === 0 || (!force && size < COMMIT_ROWS && Date.now() - lastCommit < COMMIT_MS))
        return committing
      const rows = pendingRows.splice(0)
      const patches = pendingPatches.splice(0)
      lastCommit = Date.now()
      unwritten += size
      committing = committing.then(async () => {
        await this.deps.heads.project(rows)
        // Rows with a new id are appended (no merge against the table); the others replace theirs.
        await store.insert(rows.filter((r) => newIds.has(r.id)))
        await store.upsert(rows.filter((r) => !newIds.has(r.id)))
        await store.patch(patches)
        unwritten -= size
        failpoint('index:after-commit')
      })
      // Seen here, so that the workers stop; thrown by the last commit.
      committing.catch(() => void (commitFailed = true))
      return committing
    }
    /**
     * Starts a commit when one is due, without waiting for it: a LanceDB write of a batch takes tens to
     * hundreds of milliseconds, during which the decodes and the inference used to stand still. Waits only
     * when rows are produced faster than they are written (then memory would grow).
     */
    const commitSoon = async (): Promise<void> => {
      const written = commit(false)
      if (unwritten >= COMMIT_ROWS * 4) await written
    }

    // (device, inode, size, mtime) of the hard-linked files read in this run → their content hash.
    const hashByLink = new Map<string, string>()
    const toEmbed = new BoundedQueue<{ row: PhotoRow; input: Uint8Array; settle: (o: Outcome) => void }>(
      EMBED_QUEUE,
    )
    // Content hash → the outcome of the file this run decodes with it (not yet committed, so not in
    // decodedByHash): a copy found meanwhile waits for it instead of being decoded again. The copy does not
    // hold its decode worker: it is stored by a continuation, and the run waits for those at its end.
    const inFlight = new Map<string, Promise<Outcome>>()
    const settlers: Array<(o: Outcome) => void> = []
    const copyWaits: Array<Promise<void>> = []

    const handle = async (job: Job): Promise<void> => {
      const { file } = job
      const id = job.id ?? randomUUID()
      if (job.id === undefined) newIds.add(id)
      const finish = () => {
        done++
        progress(file.path)
      }
      if (file.statError) {
        pendingRows.push(failedRow(id, file, null, file.statCode ?? 'unreadable', file.statError))
        report.failed.push({ path: file.path, reason: file.statError })
        return finish()
      }
      const unreadable = (error: unknown) => {
        const { reason } = errorInfo(error)
        pendingRows.push(failedRow(id, file, null, 'unreadable', reason))
        report.failed.push({ path: file.path, reason })
        finish()
      }
      // A copy of a file this run is decoding does not hold this worker: it is stored by a continuation.
      const waitForFirst = (first: Promise<Outcome>, hash: string) => {
        copyWaits.push(
          first.then((outcome) => {
            if (outcome === null) return // the run stopped before the first one was done
            if ('row' in outcome) {
              pendingRows.push(copyRow(outcome.row, id, file))
              report.copies++
            } else {
              // The same bytes fail the same way.
              pendingRows.push(failedRow(id, file, hash, outcome.code, outcome.reason))
              report.failed.push({ path: file.path, reason: outcome.reason })
            }
            finish()
          }),
        )
      }
      // A hard link to a file read in this run holds the same bytes: its hash is known without reading it.
      const link = await linkKey(file.path)
      let bytes: Buffer | undefined
      let hash = link === null ? undefined : hashByLink.get(link)
      if (hash === undefined) {
        try {
          bytes = await this.deps.decoder.read(file.path)
        } catch (error) {
          return unreadable(error)
        }
        hash = sha256Hex(bytes)
        if (link !== null) hashByLink.set(link, hash)
      }

      // Same content as before (only touched): keep everything, note the new size/mtime.
      if (job.row) await settled
      if (openError) return
      const wasUsable = job.row?.status === 'ok' || job.row?.status === 'trashed'
      if (job.row && job.row.hash === hash && wasUsable && job.row.featureModel === model) {
        pendingPatches.push({ id: job.row.id, size: file.size, mtimeMs: file.mtimeMs, status: 'ok' })
        report.touched++
        return finish()
      }
      if (!job.row) {
        // A file that disappeared elsewhere with this content was renamed or moved: keep its identity.
        const moved = missingByHash.get(hash)?.shift()
        if (moved) {
          pendingPatches.push({
            id: moved.id,
            path: file.path,
            root: file.root,
            size: file.size,
            mtimeMs: file.mtimeMs,
          })
          report.moved++
          return finish()
        }
        // An exact copy of a photo already decoded with the current model: reuse what was computed.
        let twinId: string | undefined
        if (decodedByHash.has(hash)) {
          await settled
          twinId = model ? decodedByHash.get(hash) : undefined
        }
        const twin = twinId ? (await store.get([twinId]))[0] : undefined
        if (twin && twin.featureModel === model) {
          pendingRows.push(copyRow(twin, id, file))
          report.copies++
          return finish()
        }
        // A copy of a file this run is decoding: stored once that one is done, with its results.
        const first = inFlight.get(hash)
        if (first) return waitForFirst(first, hash)
      }
      if (bytes === undefined) {
        // Known by its link, yet to be decoded (its twin was moved or is of another model): read it now.
        try {
          bytes = await this.deps.decoder.read(file.path)
        } catch (error) {
          return unreadable(error)
        }
        const first = job.row ? undefined : inFlight.get(hash)
        if (first) return waitForFirst(first, hash)
      }
      // Copies found from now on wait for this decode (the check above and this are one synchronous step).
      let settle: (o: Outcome) => void = () => undefined
      if (!inFlight.has(hash)) {
        inFlight.set(hash, new Promise<Outcome>((resolve) => (settle = resolve)))
        settlers.push(settle)
      }
      let decoded: DecodedPhoto
      try {
        report.decoded++
        const size = inputSize
        decoded = await this.deps.decoder.decode(bytes, { inputSize: size, name: path.basename(file.path) })
        await settled
        if (openError) return settle(null)
        if (inputSize !== size)
          decoded = await this.deps.decoder.decode(bytes, { inputSize, name: path.basename(file.path) })
      } catch (error) {
        const { code, reason } = errorInfo(error)
        pendingRows.push(failedRow(id, file, hash, code, reason))
        report.failed.push({ path: file.path, reason })
        settle({ code, reason })
        return finish()
      }
      await this.deps.thumbnails.write(hash, decoded.thumbnail)
      const row = decodedRow(id, file, hash, decoded)
      report.indexed++
      if (extractor) await toEmbed.put({ row, input: decoded.modelInput, settle })
      else {
        pendingRows.push(row)
        report.pending++
        settle({ row })
        finish()
      }
    }

    // Labels of each batch are computed on this thread (a small matrix product) while the next batch is
    // embedded in the inference worker; the run waits for them at its end.
    const labelling: Array<Promise<void>> = []
    const labelFeatures = this.deps.labelFeatures
    const embedLoop = async (ex: FeatureExtractor) => {
      for (;;) {
        const batch = await toEmbed.take(EMBED_BATCH)
        if (batch.length === 0) return
        const features = await ex.embed(batch.map((b) => b.input))
        const store = (labels: string[] | null) => {
          batch.forEach((b, i) => {
            b.row.feature = features[i]!
            b.row.featureModel = ex.model
            if (labels) b.row.labels = labels[i] ?? null
            pendingRows.push(b.row)
            b.settle({ row: b.row })
            done++
            progress(b.row.path)
          })
        }
        if (!labelFeatures) store(null)
        else
          labelling.push(
            labelFeatures(ex.model, features)
              .catch(() => null)
              .then(store),
          )
        await commitSoon()
      }
    }

    const embedding = settled.then(() => (extractor ? embedLoop(extractor) : undefined))
    let next = 0
    const workers = Array.from({ length: DECODE_CONCURRENCY }, async () => {
      for (;;) {
        while (next < jobs.length) {
          if (signal?.aborted || openError || commitFailed) return
          await handle(jobs[next++]!)
          await commitSoon()
        }
        await settled // the job list is final once the model is known
        if (next >= jobs.length) return
      }
    })
    try {
      await Promise.all(workers)
    } finally {
      toEmbed.close()
      try {
        await embedding
        await Promise.all(labelling)
      } finally {
        // Every decode has ended one way or another: copies still waiting have nothing more to wait for.
        for (const settle of settlers) settle(null)
      }
    }
    await Promise.all(copyWaits)
    if (openError) throw openError
    await commit(true)
    signal?.throwIfAborted()

    // Whatever is still missing after renames were matched has left the library.
    const gone = [...missingByHash.values()].flat().concat(plan.missing.filter((r) => !r.hash))
    await store.deleteIds(gone.map((r) => r.id))
    report.removed = gone.length
    // Dates for rows indexed before dates had a source, and places for positions not yet named: without
    // decoding again (new rows have their date already; their places are named here, in one pass).
    await fillDates(store)
    signal?.throwIfAborted()
    // A place is a nicety: a missing dataset never fails the run (the next run tries again).
    await fillPlaces(store).catch(() => 0)
    if (!extractor) {
      report.pending = await store.count(`status = 'ok' AND featureModel IS NULL`)
    }
    return report
  }
}
