import path from 'node:path'
import type { DupeGroup, DupeLevel, NeighbourFn, VerifyFn } from '../dupes/index.js'
import { ivfNeighbours } from '../dupes/ivf-neighbours.js'
import type { Serial } from '../library/serial.js'
import type { TrashPort } from '../ports.js'
import type { KnnGraph } from '../search/knn-graph.js'
import { knnGraph } from '../search/knn-graph.js'
import type { PhotoSearch } from '../search/photo-search.js'
import type { PhotoRow, PhotoStore } from '../store/photo-store.js'
import type { RecoverResult, TrashResult, UndoResult } from '../trash/index.js'
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
]

export interface DuplicatesServiceDeps extends VisualSpaceDeps {
  store: PhotoStore
  serial: Serial
  trash: TrashPort
  photoSearch: () => PhotoSearch
  /** Re-examines restored paths (the library service's syncPaths). */
  syncPaths: (paths: string[]) => Promise<unknown>
  /** A new pixel-level verifier for each run: near-duplicates need its proof. */
  verifier: () => Promise<VerifyFn>
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

  /** Exact duplicates, near-duplicates and (optionally) similar shots, each with the photo to keep and why. */
  async duplicates(
    level: DupeLevel = 'normal',
    similar = false,
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
    const verify = await this.deps.verifier()
    const groups = await findDuplicates(rows, { level, similar, neighbours, verify })
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
   * with their identity and albums.
   */
  async trash(paths: string[]): Promise<TrashResult> {
    return this.deps.serial.run(async () => {
      const result = await this.deps.trash.trashFiles(paths.map((p) => path.resolve(p)))
      const moved = new Set(result.moved.map((m) => m.path))
      const rows = (await this.deps.store.indexState()).filter((r) => moved.has(r.path))
      await this.deps.store.patch(rows.map((r) => ({ id: r.id, status: 'trashed' as const })))
      return result
    })
  }

  /** Whether a trash action can be undone (one is recorded and not undone yet). */
  async canUndo(): Promise<boolean> {
    return (await this.deps.trash.actions()).some((a) => a.state === 'done')
  }

  /** Puts back every file of the last trash action and brings their photos back into the library. */
  async undo(): Promise<UndoResult> {
    const result = await this.deps.serial.run(() => this.deps.trash.undoLast())
    if (result.restored.length > 0) await this.deps.syncPaths(result.restored)
    return result
  }

  /** Finishes or rolls back a trash action a crash interrupted (at startup, before anything else). */
  recover(): Promise<RecoverResult> {
    return this.deps.trash.recover()
  }
}
