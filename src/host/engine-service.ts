/**
 * The engine host: the contract's methods implemented on one Engine, plus the long jobs the interface
 * starts and watches (indexing, watching, training, downloads, the map), reported as events. Served as
 * is by the browser-mode server (WebSocket) and the Electron utility process (IPC): neither adds logic.
 */
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Engine, type TrainReport } from '../engine/engine.js'
import { NoTextTowerError } from '../engine/text/text-embedder.js'
import { ContinuousTrainer } from '../engine/personalize/continuous-trainer.js'
import { CATALOG } from '../engine/models/catalog.js'
import { readJsonIfExists, writeFileAtomic } from '../engine/library/atomic-file.js'
import type { LibraryWatcher } from '../engine/watch/library-watcher.js'
import type { SearchFilters as EngineFilters } from '../engine/search/photo-search.js'
import type { IndexState, PhotoRow } from '../engine/store/photo-store.js'
import type { ProgressEvent } from '../engine/ports.js'
import {
  ContractError,
  type Args,
  type EngineApi,
  type EngineEvent,
  type IndexingState,
  type MethodName,
  type Results,
  type SearchFilters,
  type TrainResult,
} from '../shared/contract.js'
import type { MediaSource } from './media-source.js'
import { computeMapLayout } from './map-layout.js'

export interface EngineServiceOptions {
  libraryDir: string
  modelMirror?: string
  mode: 'browser' | 'electron'
  native?: { pickFolder: boolean; showInFolder: boolean }
  /** Start watching the roots and rescan them on open (default true; tests of single calls turn it off). */
  autoIndex?: boolean
}

interface MediaIndex {
  version: number
  /** Null while it is being read. */
  byId: Map<string, IndexState> | null
}

type Handlers = { [M in MethodName]: (...args: Args<M>) => Promise<Results[M]> }

const IDLE: IndexingState = {
  running: false,
  phase: 'idle',
  done: 0,
  total: 0,
  rate: 0,
  provider: null,
  message: null,
  last: null,
}

/** While indexing, the interface is told about new photos at most this often. */
const LIBRARY_EVENT_EVERY_MS = 1500

export class EngineService implements EngineApi {
  private readonly listeners = new Set<(event: EngineEvent) => void>()
  private indexing: IndexingState = { ...IDLE }
  private indexAbort: AbortController | null = null
  private indexRun: Promise<void> | null = null
  private indexStarted = 0
  private lastLibraryEvent = 0
  private watcher: LibraryWatcher | null = null
  private trainAbort: AbortController | null = null
  private continuous: ContinuousTrainer | null = null
  private readonly downloads = new Set<string>()
  private groupsCache: { version: number; value: ReturnType<Engine['groups']> } | null = null
  private mediaIndex: MediaIndex | null = null
  private timelineCache: { version: number; value: Results['library.timeline'] } | null = null
  private mapRun: Promise<Results['map.layout']> | null = null
  private closed = false
  private readonly handlers: Handlers
  // Assigned in open(): the engine reports progress to this service from its first step.
  private engine!: Engine

  private constructor(private readonly options: EngineServiceOptions) {
    this.handlers = this.makeHandlers()
  }

  static async open(options: EngineServiceOptions): Promise<EngineService> {
    const service = new EngineService(options)
    service.engine = await Engine.open({
      libraryDir: options.libraryDir,
      modelMirror: options.modelMirror,
      onProgress: (event) => service.onProgress(event),
    })
    if (options.autoIndex !== false && service.engine.settings.roots.length > 0) {
      service.startIndexing()
    }
    if (service.engine.settings.continuousTraining) await service.startContinuous()
    return service
  }

  call<M extends MethodName>(method: M, args: Args<M>): Promise<Results[M]> {
    if (this.closed) return Promise.reject(new ContractError('The library is closing.', 'closed'))
    const handler = this.handlers[method] as (...a: Args<M>) => Promise<Results[M]>
    return handler(...args)
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  media(): MediaSource {
    const engine = this.engine
    return {
      photoPath: async (id) => {
        const row = await this.mediaRow(id)
        return row && row.status === 'ok' ? { path: row.path } : null
      },
      thumbPath: async (id) => {
        const row = await this.mediaRow(id)
        return row?.hash && row.status !== 'failed' ? engine.thumbnails.pathFor(row.hash) : null
      },
      roots: () => engine.settings.roots,
      thumbsDir: engine.thumbnails.dir,
    }
  }

  /**
   * Where a photo's file and thumbnail are, from an id → row map kept per store version: every thumbnail
   * the grid shows asks, and a LanceDB lookup by id scans the table (23 ms a photo at 100,000 photos,
   * against 0.05 ms from the map). While the map is (re)built, about 0.8 s at 100,000, lookups go to
   * the store, so the first thumbnails never wait for it.
   */
  private async mediaRow(id: string): Promise<Pick<IndexState, 'path' | 'hash' | 'status'> | undefined> {
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

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.indexAbort?.abort()
    this.trainAbort?.abort()
    await this.continuous?.stop()
    await this.watcher?.close()
    await this.indexRun?.catch(() => undefined)
    await this.engine.close()
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // A listener (a closed socket) failing must not stop the others.
      }
    }
  }

  private async libraryChanged(): Promise<void> {
    this.lastLibraryEvent = Date.now()
    this.emit({ type: 'library', version: await this.engine.store.version() })
  }

  // ---- indexing and watching ----

  private onProgress(event: ProgressEvent): void {
    // Progress outside an indexing run (a head switch re-projecting photos, a download) is not indexing:
    // those report through their own calls and events.
    if (!this.indexing.running) return
    if (event.phase === 'index' && this.indexing.phase !== 'index') this.indexStarted = performance.now()
    const seconds = (performance.now() - this.indexStarted) / 1000
    this.indexing = {
      ...this.indexing,
      running: this.indexing.running,
      phase: event.phase,
      done: event.done,
      total: event.total,
      rate: event.phase === 'index' && seconds > 0.5 ? event.done / seconds : this.indexing.rate,
      message: event.message ?? null,
      provider: this.engine?.settings.lastProvider?.provider ?? null,
    }
    this.emit({ type: 'index', state: this.indexing })
    if (event.phase === 'index' && Date.now() - this.lastLibraryEvent > LIBRARY_EVENT_EVERY_MS) {
      void this.libraryChanged()
    }
  }

  /** Rescans every root; a second request while one runs is a no-op (it already covers everything). */
  private startIndexing(): boolean {
    if (this.indexRun) return false
    const abort = new AbortController()
    this.indexAbort = abort
    this.indexStarted = performance.now()
    this.indexing = { ...IDLE, running: true, phase: 'scan', last: this.indexing.last }
    this.emit({ type: 'index', state: this.indexing })
    this.indexRun = (async () => {
      let last: IndexingState['last']
      try {
        const summary = await this.engine.index([], abort.signal)
        last = {
          indexed: summary.indexed,
          failed: summary.failed.length,
          seconds: summary.seconds,
          error: null,
        }
      } catch (error) {
        last = {
          indexed: 0,
          failed: 0,
          seconds: 0,
          error: abort.signal.aborted ? 'Stopped.' : message(error),
        }
      }
      this.indexing = { ...IDLE, provider: this.engine.settings.lastProvider?.provider ?? null, last }
      this.indexRun = null
      this.indexAbort = null
      if (this.closed) return
      this.emit({ type: 'index', state: this.indexing })
      await this.libraryChanged()
      await this.restartWatcher()
    })()
    return true
  }

  private async restartWatcher(): Promise<void> {
    await this.watcher?.close()
    this.watcher = null
    if (this.closed || this.options.autoIndex === false || this.engine.settings.roots.length === 0) return
    try {
      this.watcher = await this.engine.watch({
        onBatch: () => void this.libraryChanged(),
        onError: (error) =>
          this.emit({
            type: 'index',
            state: { ...this.indexing, message: `Watching stopped: ${message(error)}` },
          }),
      })
    } catch (error) {
      this.emit({ type: 'index', state: { ...this.indexing, message: `Cannot watch: ${message(error)}` } })
    }
  }

  // ---- training ----

  private async startContinuous(): Promise<void> {
    await this.continuous?.stop()
    this.continuous = new ContinuousTrainer(this.engine, {
      autoAccept: this.engine.settings.autoAcceptImprovements,
      onEvent: (event) => {
        if (event.type === 'proposal' || event.type === 'accepted') {
          this.emit({
            type: 'train',
            state: {
              phase: 'done',
              result: trainResult(event.report),
              accepted: event.type === 'accepted',
              continuous: true,
            },
          })
          if (event.type === 'accepted') {
            this.emit({ type: 'heads', active: this.engine.settings.activeHead })
            void this.libraryChanged()
          }
        }
      },
    })
    await this.continuous.start()
  }

  private startTraining(options: Args<'train.start'>[0]): boolean {
    if (this.trainAbort) return false
    const abort = new AbortController()
    this.trainAbort = abort
    void (async () => {
      try {
        const report = await this.engine.train({
          ...options,
          signal: abort.signal,
          onProgress: (p) =>
            this.emit({
              type: 'train',
              state: {
                phase: 'running',
                epoch: p.epoch,
                epochs: p.epochs,
                loss: p.loss,
                accuracy: p.accuracy,
              },
            }),
        })
        this.emit({
          type: 'train',
          state: { phase: 'done', result: trainResult(report), accepted: false, continuous: false },
        })
      } catch (error) {
        this.emit({
          type: 'train',
          state: abort.signal.aborted ? { phase: 'cancelled' } : { phase: 'failed', error: message(error) },
        })
      } finally {
        this.trainAbort = null
      }
    })()
    return true
  }

  // ---- helpers ----

  private async rows(ids: string[]): Promise<Map<string, PhotoRow>> {
    return new Map((await this.engine.store.get(ids)).map((r) => [r.id, r]))
  }

  private async engineFilters(filters: SearchFilters): Promise<EngineFilters> {
    const out: EngineFilters = { folder: filters.folder, from: filters.from, to: filters.to }
    if (filters.album) out.ids = new Set(await (await this.engine.albums()).members(filters.album))
    return out
  }

  private async albumViews(): Promise<Results['albums.list']> {
    const albums = await this.engine.albums()
    const contents = await albums.contents()
    const alive = await this.rows([...new Set(contents.flatMap((a) => a.members))])
    return contents
      .map((a) => {
        const shown = a.members.filter((id) => alive.get(id)?.status === 'ok')
        return {
          id: a.id,
          name: a.name,
          count: shown.length,
          cover: shown[0] ?? null,
          updatedAt: a.updatedAt,
        }
      })
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  private async albumView(idOrName: string): Promise<Results['albums.create']> {
    const summary = await (await this.engine.albums()).get(idOrName)
    return (await this.albumViews()).find((a) => a.id === summary.id)!
  }

  private settingsView(): Results['settings.get'] {
    const s = this.engine.settings
    return {
      library: this.engine.layout.dir,
      roots: s.roots,
      model: s.model,
      providers: s.providers,
      lastProvider: s.lastProvider,
      continuousTraining: s.continuousTraining,
      autoAcceptImprovements: s.autoAcceptImprovements,
      polling: s.polling,
    }
  }

  private async timeline(): Promise<Results['library.timeline']> {
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

  /**
   * The automatic groups, computed once per store version: the Groups view and the map's colours both
   * ask, and clustering the whole library is a k-NN graph over every photo.
   */
  private groups(): ReturnType<Engine['groups']> {
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

  private async mapLayout(): Promise<Results['map.layout']> {
    const rows = await this.engine.store.query(`status = 'ok' AND embedding IS NOT NULL`, ['id', 'embedding'])
    rows.sort((a, b) => a.id.localeCompare(b.id))
    const key = createHash('sha256')
      .update(`${this.engine.settings.activeHead}\n${rows.map((r) => r.id).join('\n')}`)
      .digest('hex')
    const cacheFile = path.join(this.engine.layout.dir, 'cache', 'map-layout.json')
    const groups = await this.groups()
    const groupOf = new Map<string, string>()
    for (const g of groups.groups) for (const id of g.photos) groupOf.set(id, g.id)
    const cached = (await readJsonIfExists(cacheFile).catch(() => undefined)) as
      { key: string; ids: string[]; xy: number[] } | undefined
    let xy: number[]
    if (cached?.key === key) {
      xy = cached.xy
    } else {
      const dim = rows[0]?.embedding?.length ?? 0
      const vectors = new Float32Array(rows.length * dim)
      rows.forEach((r, i) => vectors.set(r.embedding!, i * dim))
      this.emit({ type: 'map', phase: 'running', progress: 0 })
      const layout = await computeMapLayout(
        { vectors, count: rows.length, dim },
        { onProgress: (progress) => this.emit({ type: 'map', phase: 'running', progress }) },
      )
      xy = Array.from(layout, (v) => Math.round(v * 1e5) / 1e5)
      await fs.mkdir(path.dirname(cacheFile), { recursive: true })
      await writeFileAtomic(cacheFile, JSON.stringify({ key, ids: rows.map((r) => r.id), xy }))
    }
    this.emit({ type: 'map', phase: 'done', progress: 1 })
    return { ids: rows.map((r) => r.id), xy, group: rows.map((r) => groupOf.get(r.id) ?? '') }
  }

  private makeHandlers(): Handlers {
    return {
      'app.info': async () => ({
        version: process.env.npm_package_version ?? '0.1.0',
        mode: this.options.mode,
        library: this.engine.layout.dir,
        native: this.options.native ?? { pickFolder: false, showInFolder: false },
      }),
      'library.status': async () => {
        const status = await this.engine.status()
        return { ...status, indexing: this.indexing, canUndo: await this.engine.canUndo() }
      },
      'library.timeline': () => this.timeline(),
      'library.photo': async (id) => {
        const [row] = await this.engine.store.get([id])
        if (!row) throw new ContractError('That photo is no longer in the library.', 'not-found')
        const albums = await this.engine.albums()
        const ids = await albums.albumsOf(id)
        const names = new Map((await albums.list()).map((a) => [a.id, a.name]))
        const camera = [row.cameraMake, row.cameraModel].filter(Boolean).join(' ') || null
        return {
          id: row.id,
          path: row.path,
          name: path.basename(row.path),
          folder: path.dirname(row.path),
          size: row.size,
          width: row.width,
          height: row.height,
          format: row.format,
          takenAt: row.takenAt,
          camera,
          gps:
            row.latitude !== null && row.longitude !== null
              ? { latitude: row.latitude, longitude: row.longitude, altitude: row.altitude }
              : null,
          albums: ids.map((a) => ({ id: a, name: names.get(a) ?? a })),
        }
      },
      'library.problems': () => this.engine.problems(),
      'roots.add': async (folders) => {
        const added = await this.engine.addRoots(folders)
        this.startIndexing()
        return { added }
      },
      'roots.remove': async (folder) => {
        const removedPhotos = await this.engine.removeRoots([folder])
        await this.restartWatcher()
        await this.libraryChanged()
        return { removedPhotos }
      },
      'index.start': async () => {
        if (this.engine.settings.roots.length === 0)
          throw new ContractError('There are no folders to index yet: add a photos folder first.', 'no-roots')
        return { started: this.startIndexing() }
      },
      'index.cancel': async () => {
        const running = this.indexAbort !== null
        this.indexAbort?.abort()
        return { cancelled: running }
      },
      'search.capabilities': async () => {
        const model = this.engine.settings.model
        const pack = (await this.engine.listModels()).find((p) => p.id === model)
        const text = pack?.text ?? false
        return { text, model, hint: text ? null : new NoTextTowerError({ id: model }).message }
      },
      'search.similar': async (id, k, filters) =>
        this.engine.similarToPhoto(id, k, await this.engineFilters(filters)),
      'search.image': (file, k, filters) =>
        withTempFile(file.name, async (tmp) => {
          await fs.writeFile(tmp, Buffer.from(file.base64, 'base64'))
          return this.engine.similar(tmp, k, await this.engineFilters(filters))
        }),
      'search.text': async (text, k, filters) => {
        try {
          return await this.engine.searchText(text, k, await this.engineFilters(filters))
        } catch (error) {
          if (error instanceof NoTextTowerError) throw new ContractError(error.message, 'no-text-tower')
          throw error
        }
      },
      'dupes.find': async (level, similar) => {
        const groups = await this.engine.duplicates(level, similar)
        const rows = await this.rows(groups.flatMap((g) => g.photos))
        return groups.map((g) => ({
          kind: g.kind,
          keep: g.keep,
          reason: g.reason,
          photos: g.photos.map((id) => {
            const r = rows.get(id)!
            return {
              id,
              path: r.path,
              size: r.size,
              width: r.width,
              height: r.height,
              format: r.format,
              takenAt: r.takenAt,
            }
          }),
        }))
      },
      'trash.photos': async (ids) => {
        const rows = await this.rows(ids)
        const missing = ids.filter((id) => rows.get(id)?.status !== 'ok')
        if (missing.length > 0)
          throw new ContractError(
            `${missing.length} of these photos are no longer in the library.`,
            'not-found',
          )
        const result = await this.engine.trash(ids.map((id) => rows.get(id)!.path))
        await this.libraryChanged()
        return { moved: result.moved.length, failed: result.failed }
      },
      'trash.undo': async () => {
        const result = await this.engine.undo()
        await this.libraryChanged()
        return {
          restored: result.restored.length,
          failed: result.failed.map(({ path: p, reason }) => ({ path: p, reason })),
        }
      },
      'groups.list': async () => {
        const { groups, ungrouped } = await this.groups()
        return {
          groups: groups.map((g) => ({ id: g.id, cover: g.cover, photos: g.photos, from: g.from, to: g.to })),
          ungrouped,
        }
      },
      'albums.list': () => this.albumViews(),
      'albums.create': async (name) => {
        const album = await (await this.engine.albums()).create(name)
        this.emit({ type: 'albums' })
        return this.albumView(album.id)
      },
      'albums.rename': async (ref, name) => {
        const album = await (await this.engine.albums()).rename(ref, name)
        this.emit({ type: 'albums' })
        return this.albumView(album.id)
      },
      'albums.delete': async (ref) => {
        const result = await (await this.engine.albums()).delete(ref)
        this.emit({ type: 'albums' })
        return result
      },
      'albums.add': async (ref, ids) => {
        const rows = await this.rows(ids)
        const known = ids.filter((id) => rows.get(id)?.status === 'ok')
        if (known.length === 0)
          throw new ContractError('None of these photos is in the library.', 'not-found')
        const result = await (await this.engine.albums()).add(ref, known)
        this.emit({ type: 'albums' })
        return result
      },
      'albums.remove': async (ref, ids) => {
        const result = await (await this.engine.albums()).remove(ref, ids)
        this.emit({ type: 'albums' })
        return result
      },
      'albums.members': async (ref) => {
        const members = await (await this.engine.albums()).members(ref)
        const rows = await this.rows(members)
        return members.filter((id) => rows.get(id)?.status === 'ok')
      },
      'albums.suggest': (ref, k) => this.engine.suggest(ref, k),
      // The engine's export and import work on files (the CLI's); here they go through a private temp file.
      'albums.export': () =>
        withTempFile('albums.json', async (file) => {
          const { albums, members, missing } = await this.engine.exportAlbums(file)
          return { text: await fs.readFile(file, 'utf8'), albums, members, missing }
        }),
      'albums.import': ({ name, text }) =>
        withTempFile(path.basename(name) || 'albums.json', async (file) => {
          await fs.writeFile(file, text)
          const report = await this.engine.importAlbums(file)
          this.emit({ type: 'albums' })
          return report
        }),
      'train.start': async (options) => ({ started: this.startTraining(options) }),
      'train.cancel': async () => {
        const running = this.trainAbort !== null
        this.trainAbort?.abort()
        return { cancelled: running }
      },
      'heads.use': async (version) => {
        const result = await this.engine.useHead(version)
        this.emit({ type: 'heads', active: this.engine.settings.activeHead })
        await this.libraryChanged()
        return result
      },
      'heads.list': async () =>
        (await this.engine.listHeads()).map((h) => ({
          version: h.version,
          kind: h.kind,
          model: h.model,
          createdAt: h.createdAt,
          fittedOn: h.fittedOn,
          metrics: h.metrics,
          active: h.active,
        })),
      'settings.get': async () => this.settingsView(),
      'settings.update': async (patch) => {
        const { model, providers, ...rest } = patch
        if (providers !== undefined) await this.engine.setProviders(providers)
        if (model !== undefined && model !== this.engine.settings.model) {
          await this.engine.useModel(model)
          this.startIndexing()
        }
        if (Object.keys(rest).length > 0) await this.engine.updateSettings(rest)
        if (rest.continuousTraining !== undefined || rest.autoAcceptImprovements !== undefined) {
          await this.continuous?.stop()
          this.continuous = null
          if (this.engine.settings.continuousTraining) await this.startContinuous()
        }
        if (rest.polling !== undefined) await this.restartWatcher()
        return this.settingsView()
      },
      'models.list': async () => {
        const packs = await this.engine.listModels()
        return packs.map((p) => ({
          id: p.id,
          name: p.title,
          description: p.description,
          installed: p.installed,
          active: p.id === this.engine.settings.model,
          text: p.text,
          bytes: p.downloadBytes,
          custom: p.custom,
        }))
      },
      'models.download': async (id) => {
        if (!CATALOG.some((c) => c.id === id))
          throw new ContractError(`There is no model pack "${id}".`, 'not-found')
        if (this.downloads.has(id)) return { started: false }
        this.downloads.add(id)
        void this.engine
          .downloadModel(id, (done, total) =>
            this.emit({ type: 'download', id, state: { phase: 'running', done, total } }),
          )
          .then(
            () => this.emit({ type: 'download', id, state: { phase: 'done' } }),
            (error: unknown) =>
              this.emit({ type: 'download', id, state: { phase: 'failed', error: message(error) } }),
          )
          .finally(() => this.downloads.delete(id))
        return { started: true }
      },
      'models.import': async (folder) => ({ id: await this.engine.importModel(folder) }),
      'map.layout': () => {
        this.mapRun ??= this.mapLayout().finally(() => (this.mapRun = null))
        return this.mapRun.catch((error: unknown) => {
          this.emit({ type: 'map', phase: 'failed', progress: 0, error: message(error) })
          throw error
        })
      },
    }
  }
}

/**
 * Runs `work` on a file in a private temporary folder, removed afterwards whatever happens: the engine reads
 * and writes files, while the interface sends and receives bytes (a dropped image, an album export).
 * Only the name's extension is kept, cleaned, so the name cannot point anywhere.
 */
async function withTempFile<T>(name: string, work: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-'))
  const ext = path
    .extname(name)
    .toLowerCase()
    .replace(/[^.a-z0-9]/g, '')
  try {
    return await work(path.join(dir, `${randomUUID()}${ext}`))
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function trainResult(report: TrainReport): TrainResult {
  return {
    before: report.before['mP@5'],
    after: report.after['mP@5'],
    epochs: report.epochs,
    seconds: report.seconds,
    headVersion: report.headVersion,
    albums: report.albums,
    trainPhotos: report.trainPhotos,
    heldOutPhotos: report.heldOutPhotos,
  }
}
