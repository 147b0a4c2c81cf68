import fs from 'node:fs/promises'
import path from 'node:path'
import { libraryLayout, type LibraryLayout } from './library/paths.js'
import { loadSettings, saveSettings, type LibrarySettings } from './library/settings.js'
import { acquireLibraryLock } from './library/lock.js'
import { Serial } from './library/serial.js'
import { PhotoStore, sqlString, type PhotoRow } from './store/photo-store.js'
import { ThumbnailCache } from './store/thumbnail-cache.js'
import { walkRoots, type FoundFile } from './scan/walk.js'
import { describeFsError } from './decode/read-photo-file.js'
import { isInside, isPhotoFile, makeIgnore } from './scan/ignore.js'
import { Indexer, type IndexReport } from './index/indexer.js'
import { HeadManager } from './head/head-manager.js'
import { MatMul } from './linalg/ort-matmul.js'
import { LibraryWatcher } from './watch/library-watcher.js'
import { openFeatureExtractor } from './embed/feature-extractor.js'
import { fileDecoder } from './decode/file-decoder.js'
import { installPack, listPacks, openPack } from './models/install.js'
import { importPackFolder, listCustomPacks } from './models/custom-pack.js'
import { CATALOG } from './models/catalog.js'
import { mirrorFromEnv } from './models/mirror.js'
import { clusterPhotos, type ClusterOptions, type PhotoGroup } from './groups/cluster-photos.js'
import { PhotoSearch, type SearchFilters, type SearchHit } from './search/photo-search.js'
import { FeatureSearch } from './search/feature-search.js'
import { NoTextTowerError, TextEmbedder } from './text/text-embedder.js'
import { applyHead, loadHead, normalizeRows, saveHead, type Head } from './head/head.js'
import { trainAndCompare } from './personalize/train-and-compare.js'
import type { TrainOptions } from './train/train-head.js'
import { decodeFeature } from './embed/image-embedder.js'
import { findDuplicates, type DupeGroup, type DupeLevel, type NeighbourFn } from './dupes/index.js'
import { ivfNeighbours } from './dupes/ivf-neighbours.js'
import { knnGraph } from './search/knn-graph.js'
import { TrashJournal, type TrashResult, type UndoResult } from './trash/index.js'
import { AlbumStore, exportAlbums, importAlbums, photoLookup, photoMatcher } from './albums/index.js'
import type { ExtractorResult, FeatureExtractor, ProgressEvent } from './ports.js'
import type { FeatureCodec, ProviderName } from './types.js'

export interface EngineConfig {
  libraryDir: string
  /** Folder or URL replacing the packs' upstream sources (tests, offline machines). */
  modelMirror?: string
  /** Overrides the library's provider preference for this session (e.g. `['cuda', 'cpu']`). */
  providers?: ProviderName[]
  /** Opens without taking the writer lock: for read-only commands (status, doctor, models list). */
  readOnly?: boolean
  onProgress?: (event: ProgressEvent) => void
}

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

export interface TrainReport {
  before: { 'mP@5': number }
  after: { 'mP@5': number }
  epochs: number
  seconds: number
  headVersion: string
  accepted: boolean
  albums: number
  trainPhotos: number
  heldOutPhotos: number
}

export interface Problem {
  path: string
  code: string
  reason: string
}

/** Up to this many photos, duplicate finding asks the exact index (about 1 ms a query at this size). */
const EXACT_DUPE_NEIGHBOURS_UP_TO = 20_000

/**
 * The composition root: one library, its store, model and head, and every operation on them. Plain Node:
 * the CLI, the browser-mode server and the Electron shell all drive this same object.
 */
export class Engine {
  private extractor: Promise<ExtractorResult> | null = null
  private matmulValue: Promise<MatMul> | null = null
  /** Every change to the library happens one at a time. */
  private readonly serial = new Serial()
  private searchValue: PhotoSearch | null = null
  private albumsValue: Promise<AlbumStore> | null = null
  private trashValue: TrashJournal | null = null
  private textSearchValue: FeatureSearch | null = null
  private textEmbedder: Promise<TextEmbedder> | null = null
  readonly heads: HeadManager
  readonly thumbnails: ThumbnailCache

  private constructor(
    readonly layout: LibraryLayout,
    private settingsValue: LibrarySettings,
    readonly store: PhotoStore,
    private readonly config: EngineConfig,
    private readonly releaseLock: () => Promise<void>,
  ) {
    this.thumbnails = new ThumbnailCache(layout.thumbs)
    this.heads = new HeadManager({
      store,
      headsDir: layout.heads,
      matmul: () => this.matmul(),
      getActive: () => this.settingsValue.activeHead,
      setActive: (version) => this.updateSettings({ activeHead: version }),
      onProgress: config.onProgress,
    })
  }

  static async open(config: EngineConfig): Promise<Engine> {
    const layout = libraryLayout(path.resolve(config.libraryDir))
    await fs.mkdir(layout.dir, { recursive: true })
    const release = config.readOnly ? async () => {} : await acquireLibraryLock(layout.lock)
    try {
      const settings = await loadSettings(layout.settings)
      const store = await PhotoStore.open(layout.db)
      const engine = new Engine(layout, settings, store, config, release)
      await engine.recoverHeadPointer()
      // A trash action interrupted by a crash is finished or rolled back before anything else happens.
      if (!config.readOnly) await engine.trashJournal().recover()
      return engine
    } catch (error) {
      await release()
      throw error
    }
  }

  /**
   * A head switch commits every photo's new embedding at once, then records the new head in the
   * settings. After a crash between the two, the rows are the truth: the pointer is set to the head they
   * carry (saved when this engine may write), so the library uses one head completely, never a mix.
   */
  private async recoverHeadPointer(): Promise<void> {
    const [row] = await this.store.query(`headVersion IS NOT NULL`, ['headVersion'], 1)
    const carried = row?.headVersion ?? null
    if (carried === null || carried === this.settingsValue.activeHead) return
    if (!(await this.heads.versions()).includes(carried)) return
    if (this.config.readOnly) this.settingsValue = { ...this.settingsValue, activeHead: carried }
    else await this.updateSettings({ activeHead: carried })
  }

  get settings(): LibrarySettings {
    return this.settingsValue
  }

  async updateSettings(patch: Partial<LibrarySettings>): Promise<void> {
    const next = { ...this.settingsValue, ...patch }
    await saveSettings(this.layout.settings, next)
    this.settingsValue = next
  }

  /** The execution providers tried, in order: this session's override, else the library's setting. */
  get providers(): ProviderName[] {
    return this.config.providers ?? this.settingsValue.providers
  }

  /** The engine's matrix-product session (one per engine; heads, groups and training share it). */
  matmul(): Promise<MatMul> {
    this.matmulValue ??= MatMul.create()
    return this.matmulValue
  }

  /** The installed active pack's model id and feature codec, from its manifest alone (no session). */
  async installedPack(): Promise<{ model: string; codec: FeatureCodec } | null> {
    try {
      const { manifest } = await openPack(this.layout.packs, this.settingsValue.model, { verify: false })
      return { model: `${manifest.id}@${manifest.version}`, codec: manifest.visual.codec }
    } catch {
      return null
    }
  }

  /** Opens the active pack's backbone (downloading it on first use); a missing pack is a reason, not a crash. */
  featureExtractor(): Promise<ExtractorResult> {
    this.extractor ??= (async (): Promise<ExtractorResult> => {
      const result = await openFeatureExtractor({
        packsDir: this.layout.packs,
        packId: this.settingsValue.model,
        mirror: this.config.modelMirror ?? mirrorFromEnv(),
        providers: this.providers,
        onProgress: this.config.onProgress,
      })
      if (result.ok) {
        const { provider, attempts } = result.extractor
        await this.updateSettings({ lastProvider: { provider, attempts, at: new Date().toISOString() } })
      }
      return result
    })()
    return this.extractor
  }

  // ---- roots ----

  async addRoots(folders: string[]): Promise<string[]> {
    return this.serial.run(async () => {
      const added: string[] = []
      const roots = [...this.settingsValue.roots]
      for (const folder of folders) {
        const abs = path.resolve(folder)
        const st = await fs.stat(abs).catch(async (e: unknown) => {
          throw new Error(`Cannot add ${folder}: ${await describeFsError(e, abs)}`)
        })
        if (!st.isDirectory()) throw new Error(`Cannot add ${folder}: it is not a folder.`)
        if (isInside(abs, this.layout.dir))
          throw new Error(`Cannot add ${folder}: it is inside the library's own data folder.`)
        if (roots.some((r) => isInside(abs, r))) continue // already covered by a root
        // A new root that contains existing roots replaces them.
        for (let i = roots.length - 1; i >= 0; i--) if (isInside(roots[i]!, abs)) roots.splice(i, 1)
        roots.push(abs)
        added.push(abs)
      }
      if (added.length > 0) await this.updateSettings({ roots })
      return added
    })
  }

  /** Stops watching a folder: its photos leave the library (the files themselves are never touched). */
  async removeRoots(folders: string[]): Promise<number> {
    return this.serial.run(async () => {
      const targets = folders.map((f) => path.resolve(f))
      for (const t of targets) {
        if (!this.settingsValue.roots.includes(t))
          throw new Error(`${t} is not a watched folder. See \`tessera roots list\`.`)
      }
      const rows = (await this.store.indexState()).filter((r) => targets.includes(r.root))
      await this.store.deleteIds(rows.map((r) => r.id))
      await this.updateSettings({ roots: this.settingsValue.roots.filter((r) => !targets.includes(r)) })
      return rows.length
    })
  }

  // ---- indexing ----

  private indexer(signal?: AbortSignal): Indexer {
    return new Indexer({
      store: this.store,
      thumbnails: this.thumbnails,
      decoder: fileDecoder,
      installedModel: async () => (await this.installedPack())?.model ?? null,
      extractor: () => this.featureExtractor(),
      heads: this.heads,
      onProgress: this.config.onProgress,
      signal,
    })
  }

  private async finishRun(started: number, report: IndexReport): Promise<IndexSummary> {
    const pack = await this.installedPack()
    if (pack) await this.heads.reconcile(pack.model, pack.codec)
    if (report.indexed + report.removed + report.moved + report.copies + report.touched > 0)
      await this.store.optimize()
    return {
      ...report,
      seconds: (performance.now() - started) / 1000,
      provider: pack ? (this.settingsValue.lastProvider?.provider ?? null) : null,
      model: this.settingsValue.model,
      head: this.settingsValue.activeHead,
    }
  }

  /** Indexes the given folders (adding them as roots), or every root when none are given. */
  async index(folders: string[] = [], signal?: AbortSignal): Promise<IndexSummary> {
    if (folders.length > 0) await this.addRoots(folders)
    return this.serial.run(async () => {
      const started = performance.now()
      const scope = folders.length > 0 ? folders.map((f) => path.resolve(f)) : this.settingsValue.roots
      if (scope.length === 0) throw new Error('No folders to index. Add one with `tessera index <folder>`.')
      this.config.onProgress?.({ phase: 'scan', done: 0, total: 0, message: 'Looking for photos' })
      const rootOf = (p: string) => this.settingsValue.roots.find((r) => isInside(p, r)) ?? p
      const { files } = await walkRoots(scope, this.layout.dir)
      for (const f of files) f.root = rootOf(f.path)
      const all = await this.store.indexState()
      const rows = all.filter((r) => scope.some((s) => isInside(r.path, s)))
      const report = await this.indexer(signal).run(rows, files, all)
      return this.finishRun(started, report)
    })
  }

  /** Re-examines just these paths (files or folders), as the watcher reports them. */
  async syncPaths(paths: string[]): Promise<IndexSummary> {
    return this.serial.run(async () => {
      const started = performance.now()
      const roots = this.settingsValue.roots
      const ignore = makeIgnore(roots, this.layout.dir)
      const inScope = paths
        .map((p) => path.resolve(p))
        .filter((p) => roots.some((r) => isInside(p, r)) && !ignore(p))
      const rootOf = (p: string) => roots.find((r) => isInside(p, r))!
      const found: FoundFile[] = []
      for (const p of inScope) {
        const st = await fs.stat(p).catch(() => undefined)
        if (st?.isDirectory()) {
          const walked = await walkRoots([p], this.layout.dir)
          for (const f of walked.files) found.push({ ...f, root: rootOf(f.path) })
        } else if (st?.isFile() && isPhotoFile(p)) {
          found.push({ path: p, root: rootOf(p), size: st.size, mtimeMs: Math.floor(st.mtimeMs) })
        }
      }
      const unique = [...new Map(found.map((f) => [f.path, f])).values()]
      const all = await this.store.indexState()
      const rows = all.filter((r) => inScope.some((p) => isInside(r.path, p)))
      const report = await this.indexer().run(rows, unique, all)
      return this.finishRun(started, report)
    })
  }

  /** Watches the roots and keeps the library in step; resolves to the watcher once it is ready. */
  async watch(
    opts: {
      onBatch?: (summary: IndexSummary) => void
      onError?: (e: unknown) => void
      stableMs?: number
      quietMs?: number
    } = {},
  ): Promise<LibraryWatcher> {
    const roots = this.settingsValue.roots
    if (roots.length === 0) throw new Error('No folders to watch. Add one with `tessera roots add <folder>`.')
    const watcher = new LibraryWatcher(
      roots,
      makeIgnore(roots, this.layout.dir),
      { polling: this.settingsValue.polling, stableMs: opts.stableMs, quietMs: opts.quietMs },
      async (paths) => {
        const summary = await this.syncPaths(paths)
        opts.onBatch?.(summary)
      },
      opts.onError,
    )
    await watcher.start()
    return watcher
  }

  // ---- reading ----

  async status(): Promise<LibraryStatus> {
    const [photos, embedded, failed, pending, trashed] = await Promise.all([
      this.store.count(`status != 'trashed'`),
      this.store.count(`status = 'ok' AND embedding IS NOT NULL`),
      this.store.count(`status = 'failed'`),
      this.store.count(`status = 'ok' AND featureModel IS NULL`),
      this.store.count(`status = 'trashed'`),
    ])
    return {
      library: this.layout.dir,
      roots: this.settingsValue.roots,
      photos,
      trashed,
      embedded,
      pending,
      failed,
      model: this.settingsValue.model,
      head: this.settingsValue.activeHead,
      lastProvider: this.settingsValue.lastProvider,
    }
  }

  async problems(): Promise<Problem[]> {
    const rows = await this.store.query(`status = 'failed'`, ['path', 'errorCode', 'error'])
    return rows
      .map((r) => ({ path: r.path, code: r.errorCode ?? 'unknown', reason: r.error ?? 'Unknown problem.' }))
      .sort((a, b) => a.path.localeCompare(b.path))
  }

  async photoByPath(p: string): Promise<PhotoRow | undefined> {
    return (await this.store.query(`path = ${sqlString(path.resolve(p))}`))[0]
  }

  // ---- duplicates and the trash ----

  private trashJournal(): TrashJournal {
    // TESSERA_TRASH_DIR replaces the OS trash (tests, sandboxes); files still only ever move, never vanish.
    this.trashValue ??= new TrashJournal({
      libraryDir: this.layout.dir,
      trashDir: process.env.TESSERA_TRASH_DIR || undefined,
    })
    return this.trashValue
  }

  /** Exact duplicates, near-duplicates and (optionally) similar shots, each with the photo to keep and why. */
  async duplicates(
    level: DupeLevel = 'normal',
    similar = false,
  ): Promise<Array<DupeGroup & { keepPath: string; paths: string[] }>> {
    const rows = await this.store.query(`status = 'ok'`, [
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
    ])
    // Duplicates are a visual matter: after a head trained on albums is accepted, its space pulls whole
    // albums together, which would make "near-duplicate" mean "same album". So they are found in the
    // library's own PCA space (the untrained head), computed from the stored features when needed.
    const visual = await this.visualSpace(rows)
    const embedded = rows.filter((r) => r.embedding !== null)
    const search = this.photoSearch()
    // Exact neighbours (an index query per photo, or one blocked matrix product) while that is quick; an
    // approximate IVF graph built in matrix products beyond, where exact search would take minutes
    // (duplicates are close pairs, which it finds nearly all of).
    const neighbours: NeighbourFn =
      embedded.length > EXACT_DUPE_NEIGHBOURS_UP_TO
        ? (await ivfNeighbours(embedded, await this.matmul())).neighbours
        : visual
          ? await this.exactNeighbours(embedded)
          : (id, k) => search.neighboursOf(id, k)
    const groups = await findDuplicates(rows, {
      level,
      similar,
      neighbours,
    })
    const pathOf = new Map(rows.map((r) => [r.id, r.path]))
    return groups.map((g) => ({
      ...g,
      keepPath: pathOf.get(g.keep)!,
      paths: g.photos.map((id) => pathOf.get(id)!),
    }))
  }

  /**
   * When the active head is a trained one, replaces the rows' embeddings by the library's newest PCA head
   * applied to their features (in place) and returns true; false when the rows already are in that space.
   */
  private async visualSpace(rows: PhotoRow[]): Promise<boolean> {
    const active = await this.heads.current()
    if (!active || active.kind === 'pca') return false
    let pca: Head | null = null
    // Versions are named by kind (`pca-…`, `arcface-…`, head-manager and train-and-compare): only PCA
    // heads are read, not every trained head's weights.
    for (const version of (await this.heads.versions()).filter((v) => v.startsWith('pca-'))) {
      const head = await loadHead(this.layout.heads, version)
      if (head.kind === 'pca' && head.model === active.model && (!pca || head.createdAt > pca.createdAt))
        pca = head
    }
    if (!pca) return false
    const withFeature = rows.filter((r) => r.feature && r.featureModel === pca.model)
    const features = new Float32Array(withFeature.length * pca.inputDim)
    withFeature.forEach((r, i) => decodeFeature(r.feature!, pca.codec, features, i * pca.inputDim))
    const projected = await applyHead(pca, features, withFeature.length, await this.matmul())
    for (const r of rows) r.embedding = null
    withFeature.forEach((r, i) => {
      r.embedding = projected.slice(i * pca.outputDim, (i + 1) * pca.outputDim)
    })
    return true
  }

  /** Exact k-nearest neighbours of every photo, from one blocked matrix product. */
  private async exactNeighbours(photos: PhotoRow[]): Promise<NeighbourFn> {
    const dim = photos[0]?.embedding?.length ?? 64
    const vectors = new Float32Array(photos.length * dim)
    photos.forEach((p, i) => vectors.set(p.embedding!, i * dim))
    const k = Math.min(128, Math.max(1, photos.length - 1))
    const graph = await knnGraph(vectors, photos.length, dim, k, await this.matmul())
    const index = new Map(photos.map((p, i) => [p.id, i]))
    return async (id, want) => {
      const i = index.get(id)
      if (i === undefined) return []
      const out = []
      for (let j = 0; j < Math.min(want, k); j++) {
        const n = graph.neighbours[i * k + j]!
        if (n < 0) break
        out.push({ id: photos[n]!.id, score: graph.scores[i * k + j]! })
      }
      return out
    }
  }

  /**
   * Moves files to the OS trash (never a permanent delete), journaled so that `undo` can put them back,
   * even after a restart. Their photos stay in the library, marked trashed, so an undo restores them
   * with their identity and albums.
   */
  async trash(paths: string[]): Promise<TrashResult> {
    return this.serial.run(async () => {
      const result = await this.trashJournal().trashFiles(paths.map((p) => path.resolve(p)))
      const moved = new Set(result.moved.map((m) => m.path))
      const rows = (await this.store.indexState()).filter((r) => moved.has(r.path))
      await this.store.patch(rows.map((r) => ({ id: r.id, status: 'trashed' as const })))
      return result
    })
  }

  /** Whether a trash action can be undone (one is recorded and not undone yet). */
  async canUndo(): Promise<boolean> {
    return (await this.trashJournal().actions()).some((a) => a.state === 'done')
  }

  /** Puts back every file of the last trash action and brings their photos back into the library. */
  async undo(): Promise<UndoResult> {
    const result = await this.serial.run(() => this.trashJournal().undoLast())
    if (result.restored.length > 0) await this.syncPaths(result.restored)
    return result
  }

  // ---- albums ----

  /** The library's albums (opened on first use; read-only when this engine is). */
  albums(): Promise<AlbumStore> {
    this.albumsValue ??= AlbumStore.open(this.layout.db, { readOnly: this.config.readOnly })
    return this.albumsValue
  }

  /** Library photo ids for paths; the paths that are not library photos are returned apart. */
  async photoIds(paths: string[]): Promise<{ ids: string[]; unknown: string[] }> {
    const byPath = new Map(
      (await this.store.indexState()).filter((r) => r.status === 'ok').map((r) => [r.path, r.id]),
    )
    const ids: string[] = []
    const unknown: string[] = []
    for (const p of paths) {
      const id = byPath.get(path.resolve(p))
      if (id) ids.push(id)
      else unknown.push(p)
    }
    return { ids, unknown }
  }

  async exportAlbums(file: string) {
    return exportAlbums(await this.albums(), photoLookup(this.store), path.resolve(file))
  }

  async importAlbums(file: string) {
    return importAlbums(await this.albums(), path.resolve(file), await photoMatcher(this.store))
  }

  /**
   * For an album, the photos in no album yet that most likely belong to it: nearest to the album's centre
   * in the active embedding space. Accepting one is adding it to the album.
   */
  async suggest(album: string, k = 20): Promise<SearchHit[]> {
    const albums = await this.albums()
    const members = new Set(await albums.members(album))
    if (members.size === 0) throw new Error(`The album "${album}" is empty: add a few photos first.`)
    const labelled = new Set((await albums.memberships()).map((m) => m.photoId))
    const rows = await this.store.get([...members])
    const dims = rows.find((r) => r.embedding)?.embedding?.length
    if (!dims) throw new Error(`No photo of "${album}" has an embedding yet.`)
    const centre = new Float32Array(dims)
    for (const r of rows) if (r.embedding) for (let d = 0; d < dims; d++) centre[d]! += r.embedding[d]!
    normalizeRows(centre, dims)
    const all = await this.store.query(`status = 'ok'`, ['id'])
    const unlabelled = new Set(all.map((r) => r.id).filter((id) => !labelled.has(id)))
    return this.photoSearch().similarToVector(centre, k, { ids: unlabelled })
  }

  // ---- training ----

  /**
   * Trains a new head on the albums (each album a class): part of every album is held out, and the
   * held-out mP@5 is measured with the current head and with the new one on the same photos. The new head
   * is saved as a version; it becomes the library's head only when accepted.
   */
  async train(
    options: TrainOptions & { accept?: boolean; trainFraction?: number } = {},
  ): Promise<TrainReport> {
    const { accept = false, trainFraction = 0.5, ...trainOptions } = options
    const current = await this.heads.current()
    if (!current) throw new Error('The library has no embeddings yet: index some photos first.')
    const albums = await this.albums()
    const names = new Map((await albums.list()).map((a) => [a.id, a.name]))
    const memberships = await albums.memberships()
    const rows = await this.store.get([...new Set(memberships.map((m) => m.photoId))])
    const usable = new Map(
      rows
        .filter((r) => r.status === 'ok' && r.feature && r.featureModel === current.model)
        .map((r) => [r.id, r]),
    )
    const albumIds = [
      ...new Set(memberships.filter((m) => usable.has(m.photoId)).map((m) => m.albumId)),
    ].sort((a, b) => names.get(a)!.localeCompare(names.get(b)!))
    if (albumIds.length < 2) {
      throw new Error(
        `Training needs at least 2 albums with indexed photos; there ${albumIds.length === 1 ? 'is 1' : `are ${albumIds.length}`}.`,
      )
    }
    const labelsOf = new Map<string, number[]>()
    for (const m of memberships) {
      const c = albumIds.indexOf(m.albumId)
      if (c >= 0 && usable.has(m.photoId)) labelsOf.set(m.photoId, [...(labelsOf.get(m.photoId) ?? []), c])
    }
    const ids = [...labelsOf.keys()].sort()
    const features = new Float32Array(ids.length * current.inputDim)
    ids.forEach((id, i) =>
      decodeFeature(usable.get(id)!.feature!, current.codec, features, i * current.inputDim),
    )
    const comparison = await trainAndCompare(
      {
        ids,
        features,
        dim: current.inputDim,
        labels: ids.map((id) => labelsOf.get(id)!.sort((a, b) => a - b)),
        classNames: albumIds.map((a) => names.get(a)!),
      },
      current,
      await this.matmul(),
      { ...trainOptions, trainFraction },
    )
    await saveHead(this.layout.heads, comparison.head)
    if (accept) await this.serial.run(() => this.heads.activate(comparison.head))
    return {
      before: { 'mP@5': comparison.before },
      after: { 'mP@5': comparison.after },
      epochs: comparison.train.settings.epochs,
      seconds: comparison.seconds,
      headVersion: comparison.head.version,
      accepted: accept,
      albums: albumIds.length,
      trainPhotos: comparison.trainPhotos,
      heldOutPhotos: comparison.heldOutPhotos,
    }
  }

  // ---- heads ----

  /** Every saved head, newest first, with its metrics; `active` marks the one in use. */
  async listHeads(): Promise<Array<Omit<Head, 'weights' | 'bias'> & { active: boolean }>> {
    const heads = await Promise.all((await this.heads.versions()).map((v) => loadHead(this.layout.heads, v)))
    return heads
      .map(({ weights: _w, bias: _b, ...meta }) => ({
        ...meta,
        active: meta.version === this.settingsValue.activeHead,
      }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  /** Switches the library to a saved head: every embedding is re-projected (no decoding), atomically. */
  async useHead(version: string): Promise<{ reprojected: number }> {
    return this.serial.run(async () => {
      if (!(await this.heads.versions()).includes(version))
        throw new Error(`There is no head "${version}". See \`tessera heads list\`.`)
      const head = await loadHead(this.layout.heads, version)
      const pack = await this.installedPack()
      if (!pack || pack.model !== head.model) {
        throw new Error(
          `Head ${version} was made for ${head.model}, but the library uses ${pack?.model ?? 'no installed model'}.`,
        )
      }
      return { reprojected: await this.heads.activate(head) }
    })
  }

  // ---- finding things ----

  /** Automatic groups of visually related photos, split into events by capture time. */
  async groups(
    options: ClusterOptions = {},
  ): Promise<{ groups: Array<PhotoGroup & { paths: string[]; coverPath: string }>; ungrouped: number }> {
    // Like duplicates, groups are visual: found in the library's own space, not a trained head's.
    const rows = await this.store.query(`status = 'ok' AND embedding IS NOT NULL`, [
      'id',
      'path',
      'embedding',
      'takenAt',
      'feature',
      'featureModel',
    ])
    await this.visualSpace(rows)
    const pathOf = new Map(rows.map((r) => [r.id, r.path]))
    const result = await clusterPhotos(
      rows
        .filter((r) => r.embedding !== null)
        .map((r) => ({ id: r.id, embedding: r.embedding!, takenAt: r.takenAt })),
      await this.matmul(),
      options,
    )
    return {
      groups: result.groups.map((g) => ({
        ...g,
        coverPath: pathOf.get(g.cover)!,
        paths: g.photos.map((id) => pathOf.get(id)!),
      })),
      ungrouped: result.ungrouped.length,
    }
  }

  private photoSearch(): PhotoSearch {
    this.searchValue ??= new PhotoSearch(this.store)
    return this.searchValue
  }

  /**
   * The k photos most similar to `target`: a library photo, or any image file (decoded and embedded on
   * the fly, not added to the library). Exact cosine ranking on the 64-d embeddings.
   */
  async similar(target: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const abs = path.resolve(target)
    const known = await this.photoByPath(abs)
    if (known?.embedding) return this.photoSearch().similarToPhoto(known.id, k, filters)
    return this.photoSearch().similarToVector(await this.embedFile(abs), k, filters)
  }

  /** The k photos most similar to a library photo (itself excluded), by id. */
  async similarToPhoto(id: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    return this.photoSearch().similarToPhoto(id, k, filters)
  }

  /** Decodes, embeds and projects one file with the active model and head, without storing anything. */
  async embedFile(file: string): Promise<Float32Array> {
    const ex = await this.featureExtractor()
    if (!ex.ok) throw new Error(ex.reason)
    const head = await this.heads.current()
    if (!head || head.model !== ex.extractor.model)
      throw new Error('The library has no embeddings yet: index some photos first.')
    const bytes = await fileDecoder.read(file)
    const decoded = await fileDecoder.decode(bytes, {
      inputSize: ex.extractor.inputSize,
      name: path.basename(file),
    })
    const [feature] = await ex.extractor.embed([decoded.modelInput])
    return applyHead(head, decodeFeature(feature!, head.codec), 1, await this.matmul())
  }

  /**
   * Text search ("dog on a beach") with a pack that has a text tower (CLIP): the text embedding is
   * compared with the photos' image features in the model's shared space.
   */
  async searchText(text: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const { dir, manifest } = await openPack(this.layout.packs, this.settingsValue.model, {
      verify: false,
    }).catch(() => {
      throw new Error(
        `The model pack ${this.settingsValue.model} is not installed: run \`tessera models download ${this.settingsValue.model}\`.`,
      )
    })
    if (!manifest.text) throw new NoTextTowerError(manifest)
    this.textEmbedder ??= TextEmbedder.open(dir, manifest, { providers: this.providers })
    const [query] = await (await this.textEmbedder).embed([text])
    this.textSearchValue ??= new FeatureSearch(
      this.store,
      `${manifest.id}@${manifest.version}`,
      manifest.visual.codec,
    )
    return this.textSearchValue.search(query!, k, filters)
  }

  // ---- model packs ----

  /** The catalog's packs and any imported custom packs, with whether each is installed. */
  async listModels() {
    const custom = (await listCustomPacks(this.layout.packs)).map((p) => ({
      id: p.id,
      title: p.manifest.name,
      description: `Custom pack (${p.manifest.source}); ${p.manifest.text ? 'with' : 'no'} text search.`,
      isDefault: false,
      downloadBytes: 0,
      dir: p.dir,
      installed: true,
      version: p.manifest.version,
      custom: true,
      text: Boolean(p.manifest.text),
    }))
    const catalog = (await listPacks(this.layout.packs)).map((p) => ({
      ...p,
      custom: false,
      text: Boolean(CATALOG.find((c) => c.id === p.id)?.manifest.text),
    }))
    return [...catalog, ...custom]
  }

  /** Installs a custom pack from a folder (manifest.json + files, every sha256 checked); returns its id. */
  async importModel(folder: string): Promise<string> {
    return (await importPackFolder(folder, this.layout.packs)).id
  }

  async downloadModel(id: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal) {
    return installPack(id, {
      packsDir: this.layout.packs,
      mirror: this.config.modelMirror ?? mirrorFromEnv(),
      onProgress,
      signal,
    })
  }

  /**
   * Makes another installed pack the library's model. Photos are re-embedded by the next index run;
   * until then similar search keeps using the embeddings they have.
   */
  async useModel(id: string): Promise<void> {
    await this.serial.run(async () => {
      const pack = (await this.listModels()).find((p) => p.id === id)
      if (!pack) throw new Error(`There is no model pack "${id}". See \`tessera models list\`.`)
      if (!pack.installed) throw new Error(`The model pack ${id} is not installed: download it first.`)
      if (id === this.settingsValue.model) return
      await this.updateSettings({ model: id })
      await this.dropModelSessions()
    })
  }

  /** Sets the execution providers to try; the model is reopened with them at its next use. */
  async setProviders(providers: ProviderName[]): Promise<void> {
    await this.serial.run(async () => {
      await this.updateSettings({ providers })
      await this.dropModelSessions()
    })
  }

  /** Closes the model sessions so the next use opens them afresh (another pack or other providers). */
  private async dropModelSessions(): Promise<void> {
    const ex = this.extractor ? await this.extractor : null
    this.extractor = null
    if (ex?.ok) await ex.extractor.close()
    const text = this.textEmbedder ? await this.textEmbedder.catch(() => null) : null
    this.textEmbedder = null
    await text?.close()
    await this.textSearchValue?.close()
    this.textSearchValue = null
  }

  async close(): Promise<void> {
    const ex = this.extractor ? await this.extractor : null
    if (ex?.ok) await (ex.extractor as FeatureExtractor).close()
    if (this.matmulValue) await (await this.matmulValue).close()
    await this.searchValue?.close()
    if (this.albumsValue) await (await this.albumsValue.catch(() => null))?.close()
    await this.textSearchValue?.close()
    if (this.textEmbedder) await (await this.textEmbedder.catch(() => null))?.close()
    this.store.close()
    await this.releaseLock()
  }
}
