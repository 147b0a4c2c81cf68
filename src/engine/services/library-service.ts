import path from 'node:path'
import { canonicalPath } from '../library/canonical-path.js'
import type { HeadManager } from '../head/head-manager.js'
import type { Indexer, IndexReport } from '../index/indexer.js'
import { checkFolder, FolderRefusedError } from '../library/folder-policy.js'
import type { LibraryLayout } from '../library/paths.js'
import type { Serial } from '../library/serial.js'
import type { LibrarySettings } from '../library/settings.js'
import type { Clock, ExtractorResult, PhotoDecoder, ProgressEvent, SettingsPort } from '../ports.js'
import { isInside, makeIgnore } from '../scan/ignore.js'
import { scanChangedPaths } from '../scan/changed-paths.js'
import { walkRoots } from '../scan/walk.js'
import { sqlString, type PhotoRow, type PhotoStore } from '../store/photo-store.js'
import type { ThumbnailCache } from '../store/thumbnail-cache.js'
import type { LibraryWatcher } from '../watch/library-watcher.js'
import type { FeatureCodec, ProviderName } from '../types.js'

export interface IndexSummary extends IndexReport {
  seconds: number
  provider: ProviderName | null
  model: string
  head: string | null
}

export interface LibraryStatus {
  library: string
  roots: string[]
  photos: number
  embedded: number
  pending: number
  failed: number
  /** Moved to the trash by Tessera; kept so that an undo restores them intact. */
  trashed: number
  model: string
  head: string | null
  lastProvider: LibrarySettings['lastProvider']
}

export interface Problem {
  path: string
  code: string
  reason: string
}

export interface AddRootsOptions {
  /** The user confirmed a folder that needs it (the filesystem root, the whole home folder). */
  confirm?: boolean
}

export interface WatchOptions {
  onBatch?: (summary: IndexSummary) => void
  onError?: (e: unknown) => void
  stableMs?: number
  quietMs?: number
  /** While changes keep coming, a batch still goes at least this often (default 3 s). */
  maxWaitMs?: number
}

export interface LibraryServiceDeps {
  layout: LibraryLayout
  store: PhotoStore
  thumbnails: ThumbnailCache
  heads: HeadManager
  settings: SettingsPort
  serial: Serial
  decoder: PhotoDecoder
  clock: Clock
  installedPack: () => Promise<{ model: string; codec: FeatureCodec } | null>
  featureExtractor: () => Promise<ExtractorResult>
  onProgress?: (event: ProgressEvent) => void
  /** Settles an interrupted trash action's rows before a scan (a file in the trash is not "removed"). */
  settleTrash?: () => Promise<void>
  /** Labels the photos that have features but no labels yet (labels/label-index.ts); absent when read-only. */
  fillLabels?: (signal?: AbortSignal) => Promise<number>
  /** Labels for features as the indexer embeds them (labels/label-index.ts `encodedFor`); absent when read-only. */
  labelFeatures?: (model: string, features: readonly Uint8Array[]) => Promise<string[] | null>
}

/** The library's folders and what is in them: roots, indexing, watching, status and problems. */
export class LibraryService {
  constructor(private readonly deps: LibraryServiceDeps) {}

  /**
   * Adds folders as roots, each checked by the folder policy (library/folder-policy.ts): absolute paths only,
   * links resolved, system folders and the library's own refused, the filesystem root and the whole home
   * folder only with `confirm`. Throws a `FolderRefusedError` (with its code) for the first refused folder;
   * nothing is added then. Resolves to the real paths newly added (a folder already covered is not).
   */
  async addRoots(folders: string[], options: AddRootsOptions = {}): Promise<string[]> {
    return (await this.addFolders(folders, options)).added
  }

  private async addFolders(
    folders: string[],
    options: AddRootsOptions,
  ): Promise<{ added: string[]; real: string[] }> {
    const { settings, layout } = this.deps
    return this.deps.serial.run(async () => {
      const added: string[] = []
      const roots = [...settings.get().roots]
      const real: string[] = []
      for (const folder of folders) {
        const policy = { libraryDir: layout.dir, confirm: options.confirm }
        let verdict = await checkFolder(folder, policy)
        // A folder already watched was confirmed when it was added.
        if (!verdict.ok && verdict.code === 'needs-confirmation') {
          const confirmed = await checkFolder(folder, { ...policy, confirm: true })
          if (confirmed.ok && roots.some((r) => isInside(confirmed.path, r))) verdict = confirmed
        }
        if (!verdict.ok) throw new FolderRefusedError(verdict.reason, verdict.code)
        real.push(verdict.path)
      }
      for (const abs of real) {
        if (roots.some((r) => isInside(abs, r))) continue // already covered by a root
        // A new root that contains existing roots replaces them.
        for (let i = roots.length - 1; i >= 0; i--) if (isInside(roots[i]!, abs)) roots.splice(i, 1)
        roots.push(abs)
        added.push(abs)
      }
      if (added.length > 0) await settings.update({ roots })
      return { added, real }
    })
  }

  /** Stops watching a folder: its photos leave the library (the files themselves are never touched). */
  async removeRoots(folders: string[]): Promise<number> {
    const { settings, store } = this.deps
    return this.deps.serial.run(async () => {
      const targets = folders.map((f) => path.resolve(f))
      for (const [i, t] of targets.entries()) {
        // Named as given: a relative path resolved here would show this process's working folder.
        if (!settings.get().roots.includes(t))
          throw new Error(`${folders[i]} is not a watched folder. See \`tessera roots list\`.`)
      }
      // By path, not by the rows' recorded root: rows indexed under a narrower root that a wider one
      // replaced still name the narrower one.
      const rows = (await store.indexState()).filter((r) => targets.some((t) => isInside(r.path, t)))
      await store.deleteIds(rows.map((r) => r.id))
      await settings.update({ roots: settings.get().roots.filter((r) => !targets.includes(r)) })
      return rows.length
    })
  }

  /** The indexer (decoding, embedding) is loaded on the first run: status and search never load it. */
  private async indexer(signal?: AbortSignal): Promise<Indexer> {
    const { Indexer } = await import('../index/indexer.js')
    return new Indexer({
      store: this.deps.store,
      thumbnails: this.deps.thumbnails,
      decoder: this.deps.decoder,
      installedModel: async () => (await this.deps.installedPack())?.model ?? null,
      extractor: () => this.deps.featureExtractor(),
      heads: this.deps.heads,
      labelFeatures: this.deps.labelFeatures,
      onProgress: this.deps.onProgress,
      signal,
    })
  }

  private async finishRun(started: number, report: IndexReport): Promise<IndexSummary> {
    const pack = await this.deps.installedPack()
    if (pack) await this.deps.heads.reconcile(pack.model, pack.codec)
    await this.deps.fillLabels?.()
    if (report.indexed + report.removed + report.moved + report.copies + report.touched > 0)
      await this.deps.store.optimize()
    const settings = this.deps.settings.get()
    return {
      ...report,
      seconds: (this.deps.clock.monotonicMs() - started) / 1000,
      provider: pack ? (settings.lastProvider?.provider ?? null) : null,
      model: settings.model,
      head: settings.activeHead,
    }
  }

  /** Indexes the given folders (adding them as roots), or every root when none are given. */
  async index(folders: string[] = [], signal?: AbortSignal): Promise<IndexSummary> {
    const given = folders.length > 0 ? (await this.addFolders(folders, {})).real : []
    return this.deps.serial.run(async () => {
      await this.deps.settleTrash?.()
      const started = this.deps.clock.monotonicMs()
      const roots = this.deps.settings.get().roots
      const scope = given.length > 0 ? given : roots
      if (scope.length === 0) throw new Error('No folders to index. Add one with `tessera index <folder>`.')
      this.deps.onProgress?.({ phase: 'scan', done: 0, total: 0, message: 'Looking for photos' })
      const rootOf = (p: string) => roots.find((r) => isInside(p, r)) ?? p
      // The store's read runs on LanceDB's own threads while the walk lists folders here: started first,
      // it overlaps the walk instead of following it (a rescan of 100,000 files waits for both).
      const [all, { files }] = await Promise.all([
        this.deps.store.indexState(),
        walkRoots(scope, this.deps.layout.dir),
      ])
      for (const f of files) f.root = rootOf(f.path)
      const rows = all.filter((r) => scope.some((s) => isInside(r.path, s)))
      const report = await (await this.indexer(signal)).run(rows, files, all)
      return this.finishRun(started, report)
    })
  }

  /** Re-examines just these paths (files or folders), as the watcher reports them. */
  async syncPaths(paths: string[]): Promise<IndexSummary> {
    return this.deps.serial.run(async () => {
      await this.deps.settleTrash?.()
      const started = this.deps.clock.monotonicMs()
      const roots = this.deps.settings.get().roots
      const ignore = makeIgnore(roots, this.deps.layout.dir)
      const inScope = paths
        .map((p) => path.resolve(p))
        .filter((p) => roots.some((r) => isInside(p, r)) && !ignore(p))
      const rootOf = (p: string) => roots.find((r) => isInside(p, r))!
      // What is there now, problems included (pipes, device links, names that are not valid UTF-8).
      const { found: unique, covers } = await scanChangedPaths(inScope, rootOf, this.deps.layout.dir)
      const all = await this.deps.store.indexState()
      const rows = all.filter((r) => covers(r.path))
      const report = await (await this.indexer()).run(rows, unique, all)
      return this.finishRun(started, report)
    })
  }

  /** Watches the roots and keeps the library in step; resolves to the watcher once it is ready. */
  async watch(opts: WatchOptions = {}): Promise<LibraryWatcher> {
    const settings = this.deps.settings.get()
    const roots = settings.roots
    if (roots.length === 0) throw new Error('No folders to watch. Add one with `tessera roots add <folder>`.')
    // chokidar loads only when something watches.
    const { LibraryWatcher } = await import('../watch/library-watcher.js')
    const watcher = new LibraryWatcher(
      roots,
      makeIgnore(roots, this.deps.layout.dir),
      {
        polling: settings.polling,
        stableMs: opts.stableMs,
        quietMs: opts.quietMs,
        maxWaitMs: opts.maxWaitMs,
      },
      async (paths) => {
        const summary = await this.syncPaths(paths)
        opts.onBatch?.(summary)
      },
      opts.onError,
    )
    await watcher.start()
    return watcher
  }

  async status(): Promise<LibraryStatus> {
    const { store } = this.deps
    const [photos, embedded, failed, pending, trashed] = await Promise.all([
      store.count(`status != 'trashed'`),
      store.count(`status = 'ok' AND embedding IS NOT NULL`),
      store.count(`status = 'failed'`),
      store.count(`status = 'ok' AND featureModel IS NULL`),
      store.count(`status = 'trashed'`),
    ])
    const settings = this.deps.settings.get()
    return {
      library: this.deps.layout.dir,
      roots: settings.roots,
      photos,
      trashed,
      embedded,
      pending,
      failed,
      model: settings.model,
      head: settings.activeHead,
      lastProvider: settings.lastProvider,
    }
  }

  async problems(): Promise<Problem[]> {
    const rows = await this.deps.store.query(`status = 'failed'`, ['path', 'errorCode', 'error'])
    return rows
      .map((r) => ({ path: r.path, code: r.errorCode ?? 'unknown', reason: r.error ?? 'Unknown problem.' }))
      .sort((a, b) => a.path.localeCompare(b.path))
  }

  async photoByPath(p: string): Promise<PhotoRow | undefined> {
    return (await this.deps.store.query(`path = ${sqlString(canonicalPath(p))}`))[0]
  }

  /**
   * Library photo ids for paths, each a photo or a folder (every library photo under it, at any depth: `albums
   * add Trip ~/Pictures/Trip`); each id once, in the order given. The paths that name no library photo are
   * returned apart.
   */
  async photoIds(paths: string[]): Promise<{ ids: string[]; unknown: string[] }> {
    const rows = (await this.deps.store.indexState()).filter((r) => r.status === 'ok')
    const byPath = new Map(rows.map((r) => [r.path, r.id]))
    const ids = new Set<string>()
    const unknown: string[] = []
    for (const p of paths) {
      const wanted = canonicalPath(p)
      const id = byPath.get(wanted)
      if (id) {
        ids.add(id)
        continue
      }
      // Not a photo: a folder's photos, in path order (only here, so a list of photos costs no sort).
      const under = rows.filter((r) => isInside(r.path, wanted)).sort((a, b) => a.path.localeCompare(b.path))
      if (under.length === 0) unknown.push(p)
      for (const r of under) ids.add(r.id)
    }
    return { ids: [...ids], unknown }
  }
}
