import fs from 'node:fs/promises'
import { canonicalPath } from '../library/canonical-path.js'
import type { DupeGroup, DupeLevel, NeighbourFn, RunVerifier } from '../dupes/index.js'
import { ivfNeighbours } from '../dupes/ivf-neighbours.js'
import { failpoint } from '../library/failpoint.js'
import type { Serial } from '../library/serial.js'
import type { TrashPort } from '../ports.js'
import type { KnnGraph } from '../search/knn-graph.js'
import { knnGraph } from '../search/knn-graph.js'
import type { PhotoSearch } from '../search/photo-search.js'
import type { PhotoRow, PhotoStore } from '../store/photo-store.js'
import type {
  JournalItem,
  RecoverResult,
  RestoreResult,
  RestoreSelection,
  TrashResult,
  UndoResult,
} from '../trash/index.js'
import { toVisualSpace, type VisualSpaceDeps } from './visual-space.js'

/** Up to this many photos, duplicate finding asks the exact index (about 1 ms a query at this size). */
export const EXACT_DUPE_NEIGHBOURS_UP_TO = 20_000

const DUPE_COLUMNS = [
  'id',
  'path',
  'size',
  'hash',
  'width',
  'height',
  'format',
  'takenAt',
  'cameraMake',
  'cameraModel',
  'latitude',
  'longitude',
  'altitude',
  'phash',
  'dhash',
  'embedding',
  'feature',
  'featureModel',
  // Similar shots need to know an EXIF date from another and the files' times (similar-shots.ts).
  'dateSource',
  'mtimeMs',
]

export interface DuplicatesOptions {
  /** Also find left-right mirrored copies (near only with the pixels' proof of the mirror). Default false. */
  mirror?: boolean
  /** Told how many proposed pairs the pixels have settled, of how many (a first run can take minutes). */
  onProgress?: (progress: { checked: number; toCheck: number }) => void
}

export interface DuplicatesServiceDeps extends VisualSpaceDeps {
  store: PhotoStore
  serial: Serial
  trash: TrashPort
  photoSearch: () => PhotoSearch
  /** Re-examines restored paths (the library service's syncPaths). */
  syncPaths: (paths: string[]) => Promise<unknown>
  /** A new pixel-level verifier for each run: near-duplicates need its proof (mirrors only when asked). */
  verifier: (options?: DuplicatesOptions) => Promise<RunVerifier>
  /** Above this many embedded photos, neighbours come from an approximate IVF graph. */
  exactUpTo?: number
}

/**
 * A neighbour function over a k-NN graph of `ids` (row i of the graph is ids[i]): at most min(want, k)
 * neighbours, best first, stopping at the graph's -1 padding; unknown ids have none.
 */
export function neighboursFromGraph(ids: readonly string[], graph: KnnGraph): NeighbourFn {
  const { k } = graph
  const index = new Map(ids.map((id, i) => [id, i]))
  return async (id, want) => {
    const i = index.get(id)
    if (i === undefined) return []
    const out = []
    for (let j = 0; j < Math.min(want, k); j++) {
      const n = graph.neighbours[i * k + j]!
      if (n < 0) break
      out.push({ id: ids[n]!, score: graph.scores[i * k + j]! })
    }
    return out
  }
}

/** Row-major vectors of the rows' embeddings (every row must have one). */
export function embeddingMatrix(rows: readonly PhotoRow[]): { vectors: Float32Array; dim: number } {
  const dim = rows[0]?.embedding?.length ?? 64
  const vectors = new Float32Array(rows.length * dim)
  rows.forEach((p, i) => vectors.set(p.embedding!, i * dim))
  return { vectors, dim }
}

/** Duplicates (exact, near, similar shots) and the trash they go to, with undo. */
export class DuplicatesService {
  constructor(private readonly deps: DuplicatesServiceDeps) {}

  /**
   * Exact duplicates, near-duplicates and (optionally) similar shots, each with the photo to keep and why.
   * Mirrored copies are near only with `options.mirror`.
   */
  async duplicates(
    level: DupeLevel = 'normal',
    similar = false,
    options: DuplicatesOptions = {},
  ): Promise<Array<DupeGroup & { keepPath: string; paths: string[] }>> {
    const rows = await this.deps.store.query(`status = 'ok'`, DUPE_COLUMNS)
    // Found in the library's own PCA space, never a trained head's (see toVisualSpace).
    const visual = await toVisualSpace(rows, this.deps)
    const embedded = rows.filter((r) => r.embedding !== null)
    const search = this.deps.photoSearch()
    // Exact neighbours (an index query per photo, or one blocked matrix product) while that is quick; an
    // approximate IVF graph built in matrix products beyond, where exact search would take minutes
    // (duplicates are close pairs, which it finds nearly all of).
    const neighbours: NeighbourFn =
      embedded.length > (this.deps.exactUpTo ?? EXACT_DUPE_NEIGHBOURS_UP_TO)
        ? (await ivfNeighbours(embedded, await this.deps.matmul())).neighbours
        : visual
          ? await this.exactNeighbours(embedded)
          : (id, k) => search.neighboursOf(id, k)
    // The pair checks (sharp, OpenCV) load on the first search for duplicates, never when the engine opens.
    const { findDuplicates } = await import('../dupes/find-duplicates.js')
    const verify = await this.deps.verifier({ mirror: options.mirror ?? false })
    let groups: DupeGroup[]
    try {
      groups = await findDuplicates(rows, {
        level,
        similar,
        neighbours,
        verify,
        onProgress: options.onProgress,
      })
    } finally {
      // Ends the verifier's workers; its verdicts are kept for the contents still in the library.
      await verify.close?.(new Set(rows.flatMap((r) => (r.hash ? [r.hash] : []))))
    }
    const pathOf = new Map(rows.map((r) => [r.id, r.path]))
    return groups.map((g) => ({
      ...g,
      keepPath: pathOf.get(g.keep)!,
      paths: g.photos.map((id) => pathOf.get(id)!),
    }))
  }

  /** Exact k-nearest neighbours of every photo, from one blocked matrix product. */
  private async exactNeighbours(photos: PhotoRow[]): Promise<NeighbourFn> {
    const { vectors, dim } = embeddingMatrix(photos)
    const k = Math.min(128, Math.max(1, photos.length - 1))
    const graph = await knnGraph(vectors, photos.length, dim, k, await this.deps.matmul())
    return neighboursFromGraph(
      photos.map((p) => p.id),
      graph,
    )
  }

  /**
   * Moves files to the OS trash (never a permanent delete), journaled so that `undo` can put them back,
   * even after a restart. Their photos stay in the library, marked trashed, so an undo restores them
   * with their identity and albums. One recoverable unit: the journal names every file, its destination
   * and its photo before the rows are marked and before the first move; a crash anywhere is finished or
   * rolled back by `settle` (at start-up and before any scan), so no row is ever removed for a file that
   * is in the trash.
   */
  async trash(paths: string[]): Promise<TrashResult> {
    return this.deps.serial.run(async () => {
      await this.settle()
      const resolved = paths.map(canonicalPath)
      const wanted = new Set(resolved)
      const photos = new Map<string, { id: string; status: 'ok' | 'failed' }>()
      for (const r of await this.deps.store.indexState())
        if (wanted.has(r.path) && r.status !== 'trashed') photos.set(r.path, { id: r.id, status: r.status })
      let result: TrashResult
      try {
        result = await this.deps.trash.trashFiles(resolved, {
          photos,
          beforeMoves: async (action) => {
            const marked = action.items.filter((i) => i.state === 'planned' && i.photoId !== undefined)
            await this.deps.store.patch(marked.map((i) => ({ id: i.photoId!, status: 'trashed' as const })))
            failpoint('trash:after-rows-marked')
          },
        })
      } finally {
        // The rows of files that could not be moved (or of an action that failed half way) go back.
        await this.settle()
      }
      return result
    })
  }

  /** Whether a trash action can be undone (one is recorded and not undone yet). */
  async canUndo(): Promise<boolean> {
    return (await this.deps.trash.actions()).some((a) => a.state === 'done')
  }

  /** Puts back every file of the last trash action and brings their photos back into the library. */
  async undo(): Promise<UndoResult> {
    const result = await this.deps.serial.run(async () => {
      await this.settle()
      return this.deps.trash.undoLast()
    })
    await this.afterRestore(result.restored)
    return result
  }

  /**
   * What Tessera moved to the trash, newest first, from the journal: each file with its photo, the batch
   * (one move) it belongs to, and whether it is still in the trash, back, or gone from the trash.
   */
  async trashed(): Promise<TrashedEntry[]> {
    const actions = await this.deps.trash.actions()
    const listed = actions.flatMap((a) => a.items.filter((i) => LISTED.has(i.state)))
    // Items recorded before the journal named photos: their photo by path.
    const byPath = listed.some((i) => i.photoId === undefined)
      ? new Map((await this.deps.store.indexState()).map((r) => [r.path, r.id]))
      : new Map<string, string>()
    const out: TrashedEntry[] = []
    for (const action of [...actions].reverse()) {
      for (const item of action.items) {
        if (!LISTED.has(item.state)) continue
        let state: TrashedEntry['state'] = 'restored'
        if (item.state !== 'restored')
          state = item.trashPath && (await exists(item.trashPath)) ? 'in-trash' : 'gone'
        out.push({
          batchId: action.id,
          movedAt: action.createdAt,
          photoId: item.photoId ?? byPath.get(item.path) ?? null,
          path: item.path,
          trashPath: item.trashPath,
          size: item.size,
          state,
          reason: item.reason ?? null,
        })
      }
    }
    return out
  }

  /** Puts back chosen files from the trash (photos, paths or whole batches), not only the last action. */
  async restore(selection: RestoreSelection): Promise<RestoreResult> {
    const result = await this.deps.serial.run(async () => {
      await this.settle()
      const paths = selection.paths?.map(canonicalPath)
      return this.deps.trash.restore(paths ? { ...selection, paths } : selection)
    })
    await this.afterRestore(result.restored)
    return result
  }

  /** Restored files are examined again (same content: same photo, same id), then their rows are settled. */
  private async afterRestore(restored: string[]): Promise<void> {
    if (restored.length > 0) await this.deps.syncPaths(restored)
    failpoint('undo:after-sync')
    await this.deps.serial.run(() => this.settle())
  }

  /** Finishes or rolls back a trash action a crash interrupted (at startup, before anything else). */
  async recover(): Promise<RecoverResult> {
    const result = await this.deps.trash.recover()
    await this.settle()
    return result
  }

  /**
   * Brings the library's rows in line with the journal (call inside the library's serial, before a scan):
   * finishes whatever a crash interrupted (recover), then every photo whose file is in the trash is marked
   * trashed, and every photo whose file is back at its path gets its former status again. Idempotent; a
   * crash in the middle is settled again next time.
   */
  async settle(): Promise<void> {
    if (!(await this.deps.trash.needsSettling())) return
    await this.deps.trash.recover()
    const actions = await this.deps.trash.actions()
    const unsettled = actions.filter((a) => a.rowsSettled === false)
    if (unsettled.length === 0) return
    // The rows of the photos named (a whole-library read only for items an older version left unnamed).
    const named = unsettled.flatMap((a) => a.items.map((i) => i.photoId))
    const rows: Array<Pick<PhotoRow, 'id' | 'path' | 'status'>> = named.includes(undefined)
      ? await this.deps.store.indexState()
      : await this.deps.store.get([...new Set(named as string[])])
    const byId = new Map(rows.map((r) => [r.id, r]))
    const byPath = new Map(rows.map((r) => [r.path, r]))
    const rowOf = (item: JournalItem) => {
      const row = item.photoId !== undefined ? byId.get(item.photoId) : byPath.get(item.path)
      return row && row.path === item.path ? row : undefined
    }
    // The photos these actions name; for each, its newest journal item (in any action) decides.
    const concerned = new Set(unsettled.flatMap((a) => a.items.map((i) => rowOf(i)?.id)))
    const last = new Map<string, JournalItem>()
    for (const action of actions)
      for (const item of action.items) {
        const row = rowOf(item)
        if (row && concerned.has(row.id)) last.set(row.id, item)
      }
    const want = new Map<string, PhotoRow['status']>()
    for (const [id, item] of last) {
      const row = byId.get(id)!
      if (item.state === 'moved' || item.state === 'kept') {
        // In the trash: trashed. (A file at its path too is another file, which the next scan examines.)
        if (!(await exists(item.path))) want.set(id, 'trashed')
      } else if (row.status === 'trashed') {
        // Not moved, or back: the status it had (a file gone meanwhile is then removed by the next scan).
        want.set(id, item.photoStatus ?? 'ok')
      }
    }
    const patches = [...want]
      .filter(([id, status]) => byId.get(id)!.status !== status)
      .map(([id, status]) => ({ id, status }))
    await this.deps.store.patch(patches)
    failpoint('trash:after-rows-settled')
    await this.deps.trash.markRowsSettled(unsettled.map((a) => a.id))
  }
}

/** Journal items shown in the Trash view: moved (or kept) there, and those put back. */
const LISTED = new Set<JournalItem['state']>(['moved', 'kept', 'restored', 'restoring'])

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p)
    return true
  } catch {
    return false
  }
}

/** One file Tessera moved to the trash, as the Trash view lists it. */
export interface TrashedEntry {
  /** The move it was part of (one `dupes --trash`, one click): its journal action. */
  batchId: string
  /** When it was moved (ISO). */
  movedAt: string
  /** Its library photo, kept while it is in the trash (null: not a library photo). */
  photoId: string | null
  path: string
  trashPath: string | null
  size: number | null
  /** in-trash: can be restored; restored: back at its path; gone: no longer in the trash (emptied). */
  state: 'in-trash' | 'restored' | 'gone'
  reason: string | null
}
