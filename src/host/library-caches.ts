/**
 * What the host keeps per store version, because the interface asks for it again and again and the
 * answer only changes when the library does: the timeline, the automatic groups, and where each photo's
 * file and thumbnail are.
 */
import path from 'node:path'
import type { Engine } from '../engine/engine.js'
import type { IndexState } from '../engine/store/photo-store.js'
import type { Results } from '../shared/contract.js'
import type { EngineGroups } from './engine-types.js'

interface MediaIndex {
  version: number
  /** Null while it is being read. */
  byId: Map<string, IndexState> | null
}

export type MediaRow = Pick<IndexState, 'path' | 'hash' | 'status'>

export class LibraryCaches {
  private groupsCache: { version: number; value: Promise<EngineGroups> } | null = null
  private mediaIndex: MediaIndex | null = null
  private timelineCache: { version: number; value: Results['library.timeline'] } | null = null

  constructor(private readonly engine: Pick<Engine, 'store' | 'groups'>) {}

  /** Every photo newest first (by capture date, else file time), as column arrays. */
  async timeline(): Promise<Results['library.timeline']> {
    const version = await this.engine.store.version()
    if (this.timelineCache?.version === version) return this.timelineCache.value
    const { ids, takenAt: taken, mtimeMs } = await this.engine.store.timelineColumns()
    const n = ids.length
    // Photos without a capture date sort by their file time.
    const key = new Float64Array(n)
    for (let i = 0; i < n; i++) key[i] = Number.isFinite(taken[i]) ? taken[i]! : mtimeMs[i]!
    // Newest first; ties by id, so the order is stable from one call to the next.
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => key[b]! - key[a]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0),
    )
    const value = {
      ids: order.map((i) => ids[i]!),
      takenAt: order.map((i) => (Number.isFinite(taken[i]) ? taken[i]! : null)),
      version,
    }
    this.timelineCache = { version, value }
    return value
  }

  /** The timeline of one folder and the folders below it (the Folders view's grid). */
  async folderTimeline(folder: string): Promise<Results['library.timeline']> {
    const [all, rows] = await Promise.all([this.timeline(), this.engine.store.indexState()])
    const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep
    const inside = new Set<string>()
    for (const r of rows) if (r.path.startsWith(prefix)) inside.add(r.id)
    const ids: string[] = []
    const takenAt: Array<number | null> = []
    for (let i = 0; i < all.ids.length; i++) {
      if (!inside.has(all.ids[i]!)) continue
      ids.push(all.ids[i]!)
      takenAt.push(all.takenAt[i]!)
    }
    return { ids, takenAt, version: all.version }
  }

  /**
   * The automatic groups, computed once per store version: the Groups view and the map's colours both
   * ask, and clustering the whole library is a k-NN graph over every photo.
   */
  groups(): Promise<EngineGroups> {
    return this.engine.store.version().then((version) => {
      if (this.groupsCache?.version !== version) {
        const value = this.engine.groups()
        this.groupsCache = { version, value }
        value.catch(() => {
          if (this.groupsCache?.value === value) this.groupsCache = null
        })
      }
      return this.groupsCache.value
    })
  }

  /**
   * Where a photo's file and thumbnail are, from an id → row map kept per store version: every thumbnail
   * the grid shows asks, and a LanceDB lookup by id scans the table (23 ms a photo at 100,000 photos,
   * against 0.05 ms from the map). While the map is (re)built, about 0.8 s at 100,000, lookups go to
   * the store, so the first thumbnails never wait for it.
   */
  async mediaRow(id: string): Promise<MediaRow | undefined> {
    const version = await this.engine.store.version()
    if (this.mediaIndex?.version !== version) {
      const index: MediaIndex = { version, byId: null }
      this.mediaIndex = index
      this.engine.store.indexState().then(
        (rows) => (index.byId = new Map(rows.map((r) => [r.id, r]))),
        () => {
          if (this.mediaIndex === index) this.mediaIndex = null
        },
      )
    }
    if (this.mediaIndex?.byId) return this.mediaIndex.byId.get(id)
    return (await this.engine.store.get([id]))[0]
  }
}
