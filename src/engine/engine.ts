import type { LibraryLayout } from './library/paths.js'
import type { LibrarySettings } from './library/settings.js'
import type { PhotoRow, PhotoStore } from './store/photo-store.js'
import type { ThumbnailCache } from './store/thumbnail-cache.js'
import type { HeadManager } from './head/head-manager.js'
import type { LibraryWatcher } from './watch/library-watcher.js'
import type { ClusterOptions } from './groups/cluster-photos.js'
import type { SearchFilters, SearchHit } from './search/photo-search.js'
import type { TrainOptions } from './train/train-head.js'
import type { DupeGroup, DupeLevel } from './dupes/index.js'
import type { RestoreResult, RestoreSelection, TrashResult, UndoResult } from './trash/index.js'
import type { DuplicatesOptions, TrashedEntry } from './services/duplicates-service.js'
import type { AlbumStore } from './albums/index.js'
import type { ExtractorResult, MatMul, ProgressEvent, SettingsPort } from './ports.js'
import type { FeatureCodec, ProviderName } from './types.js'
import type { AddRootsOptions, LibraryService, WatchOptions } from './services/library-service.js'
import type { DuplicatesService } from './services/duplicates-service.js'
import type { AlbumsService } from './services/albums-service.js'
import type { HeadSummary, TrainingService } from './services/training-service.js'
import type { GroupWithPaths, PhotoTag, SearchService, WordFilters } from './services/search-service.js'
import type { WordSearchResult } from './labels/word-search.js'
import type { ModelsService } from './services/models-service.js'
import type { PhotoListing, PhotosFilters } from './services/photo-listing.js'
import { createEngine } from './create-engine.js'
import { nodeAdapters } from './adapters/node-adapters.js'

export type { IndexSummary, LibraryStatus, Problem } from './services/library-service.js'
export type { TrainReport } from './services/training-service.js'

export interface EngineConfig {
  libraryDir: string
  /** Folder or URL replacing the packs' upstream sources (tests, offline machines). */
  modelMirror?: string
  /** Overrides the library's provider preference for this session (e.g. `['cuda', 'cpu']`). */
  providers?: ProviderName[]
  /** Opens without taking the writer lock: for read-only commands (status, doctor, models list). */
  readOnly?: boolean
  /** How long to wait for another process to release the writer lock (default 5 s). */
  lockWaitMs?: number
  onProgress?: (event: ProgressEvent) => void
}

/** The domain services an engine delegates to (built by createEngine). */
export interface EngineServices {
  library: LibraryService
  duplicates: DuplicatesService
  albums: AlbumsService
  training: TrainingService
  search: SearchService
  models: ModelsService
}

/** Everything the facade holds, assembled by `createEngine`. */
export interface EngineParts {
  layout: LibraryLayout
  store: PhotoStore
  heads: HeadManager
  thumbnails: ThumbnailCache
  settings: SettingsPort
  services: EngineServices
  /** Closes the store and releases the writer lock. */
  shutdown: () => Promise<void>
}

/**
 * One library and every operation on it: a facade that only delegates to the domain services (library,
 * duplicates, albums, training, search, models). Plain Node: the CLI, the browser-mode server and the
 * Electron shell all drive this same object. Built by `createEngine(config, adapters)`; `Engine.open`
 * uses the real adapters.
 */
export class Engine {
  readonly layout: LibraryLayout
  readonly store: PhotoStore
  readonly heads: HeadManager
  readonly thumbnails: ThumbnailCache
  private readonly settingsPort: SettingsPort
  private readonly services: EngineServices
  private readonly shutdown: () => Promise<void>

  /** Use `Engine.open` or `createEngine`. */
  constructor(parts: EngineParts) {
    this.layout = parts.layout
    this.store = parts.store
    this.heads = parts.heads
    this.thumbnails = parts.thumbnails
    this.settingsPort = parts.settings
    this.services = parts.services
    this.shutdown = parts.shutdown
  }

  /** Opens a library with the real adapters (LanceDB, onnxruntime, sharp, the OS trash, process.env). */
  static async open(config: EngineConfig): Promise<Engine> {
    return createEngine(config, nodeAdapters(process.env))
  }

  get settings(): LibrarySettings {
    return this.settingsPort.get()
  }

  updateSettings(patch: Partial<LibrarySettings>): Promise<void> {
    return this.settingsPort.update(patch)
  }

  // ---- models and sessions ----

  /** The execution providers tried, in order: this session's override, else the library's setting. */
  get providers(): ProviderName[] {
    return this.services.models.providers
  }

  /** The engine's matrix-product session (one per engine; heads, groups and training share it). */
  matmul(): Promise<MatMul> {
    return this.services.models.matmul()
  }

  /** The installed active pack's model id and feature codec, from its manifest alone (no session). */
  installedPack(): Promise<{ model: string; codec: FeatureCodec } | null> {
    return this.services.models.installedPack()
  }

  /** Opens the active pack's backbone (downloading it on first use); a missing pack is a reason, not a crash. */
  featureExtractor(): Promise<ExtractorResult> {
    return this.services.models.featureExtractor()
  }

  /** The catalog's packs and any imported custom packs, with whether each is installed. */
  listModels() {
    return this.services.models.listModels()
  }

  /** Installs a custom pack from a folder (manifest.json + files, every sha256 checked); returns its id. */
  importModel(folder: string): Promise<string> {
    return this.services.models.importModel(folder)
  }

  downloadModel(id: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal) {
    return this.services.models.downloadModel(id, onProgress, signal)
  }

  /**
   * Makes another installed pack the library's model. Photos are re-embedded by the next index run;
   * until then similar search keeps using the embeddings they have.
   */
  useModel(id: string): Promise<void> {
    return this.services.models.useModel(id)
  }

  /** Sets the execution providers to try; the model is reopened with them at its next use. */
  setProviders(providers: ProviderName[]): Promise<void> {
    return this.services.models.setProviders(providers)
  }

  // ---- library: roots, indexing, watching, status ----

  /** Checked by the folder policy (library/folder-policy.ts); `confirm` for the filesystem root or home. */
  addRoots(folders: string[], options?: AddRootsOptions): Promise<string[]> {
    return this.services.library.addRoots(folders, options)
  }

  /** Stops watching a folder: its photos leave the library (the files themselves are never touched). */
  removeRoots(folders: string[]): Promise<number> {
    return this.services.library.removeRoots(folders)
  }

  /** Indexes the given folders (adding them as roots), or every root when none are given. */
  index(folders: string[] = [], signal?: AbortSignal) {
    return this.services.library.index(folders, signal)
  }

  /** Re-examines just these paths (files or folders), as the watcher reports them. */
  syncPaths(paths: string[]) {
    return this.services.library.syncPaths(paths)
  }

  /** Watches the roots and keeps the library in step; resolves to the watcher once it is ready. */
  watch(opts: WatchOptions = {}): Promise<LibraryWatcher> {
    return this.services.library.watch(opts)
  }

  status() {
    return this.services.library.status()
  }

  problems() {
    return this.services.library.problems()
  }

  photoByPath(p: string): Promise<PhotoRow | undefined> {
    return this.services.library.photoByPath(p)
  }

  /** Library photo ids for paths; the paths that are not library photos are returned apart. */
  photoIds(paths: string[]): Promise<{ ids: string[]; unknown: string[] }> {
    return this.services.library.photoIds(paths)
  }

  // ---- duplicates and the trash ----

  /**
   * Exact duplicates, near-duplicates and (optionally) similar shots, each with the photo to keep and why;
   * mirrored copies only with `options.mirror`.
   */
  duplicates(
    level: DupeLevel = 'normal',
    similar = false,
    options: DuplicatesOptions = {},
  ): Promise<Array<DupeGroup & { keepPath: string; paths: string[] }>> {
    return this.services.duplicates.duplicates(level, similar, options)
  }

  /** Moves files to the OS trash (journaled, undoable); their photos stay in the library, marked trashed. */
  trash(paths: string[]): Promise<TrashResult> {
    return this.services.duplicates.trash(paths)
  }

  /** Whether a trash action can be undone (one is recorded and not undone yet). */
  canUndo(): Promise<boolean> {
    return this.services.duplicates.canUndo()
  }

  /** Puts back every file of the last trash action and brings their photos back into the library. */
  undo(): Promise<UndoResult> {
    return this.services.duplicates.undo()
  }

  /** What Tessera moved to the trash (from its journal), newest first, with each file's photo and batch. */
  trashed(): Promise<TrashedEntry[]> {
    return this.services.duplicates.trashed()
  }

  /** Puts back chosen photos, paths or whole batches from the trash, with their ids and albums. */
  restoreTrashed(selection: RestoreSelection): Promise<RestoreResult> {
    return this.services.duplicates.restore(selection)
  }

  // ---- albums ----

  /** Every photo with its date, place, tags and albums, oldest first, through the search filters. */
  async photos(filters: PhotosFilters = {}): Promise<PhotoListing[]> {
    const { listPhotos } = await import('./services/photo-listing.js')
    return listPhotos({ store: this.store, albums: () => this.albums() }, filters)
  }

  /** The library's albums (opened on first use; read-only when this engine is). */
  albums(): Promise<AlbumStore> {
    return this.services.albums.albums()
  }

  exportAlbums(file: string) {
    return this.services.albums.exportAlbums(file)
  }

  importAlbums(file: string) {
    return this.services.albums.importAlbums(file)
  }

  /** For an album, the photos in no album yet nearest to the album's centre. */
  suggest(album: string, k = 20): Promise<SearchHit[]> {
    return this.services.albums.suggest(album, k)
  }

  // ---- training and heads ----

  /** Trains a new head on the albums and compares it with the current one on held-out photos. */
  train(options: TrainOptions & { accept?: boolean; trainFraction?: number } = {}) {
    return this.services.training.train(options)
  }

  /** Every saved head, newest first, with its metrics; `active` marks the one in use. */
  listHeads(): Promise<HeadSummary[]> {
    return this.services.training.listHeads()
  }

  /** Switches the library to a saved head: every embedding is re-projected (no decoding), atomically. */
  useHead(version: string): Promise<{ reprojected: number }> {
    return this.services.training.useHead(version)
  }

  // ---- finding things ----

  /** Automatic groups of visually related photos, split into events by capture time. */
  groups(options: ClusterOptions = {}): Promise<{ groups: GroupWithPaths[]; ungrouped: number }> {
    return this.services.search.groups(options)
  }

  /** The k photos most similar to a library photo or to any image file (embedded on the fly). */
  similar(target: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    return this.services.search.similar(target, k, filters)
  }

  /** The k photos most similar to a library photo (itself excluded), by id. */
  similarToPhoto(id: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    return this.services.search.similarToPhoto(id, k, filters)
  }

  /** Decodes, embeds and projects one file with the active model and head, without storing anything. */
  embedFile(file: string): Promise<Float32Array> {
    return this.services.search.embedFile(file)
  }

  /** Text search ("dog on a beach") with a pack that has a text tower (CLIP). */
  searchText(text: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    return this.services.search.searchText(text, k, filters)
  }

  /**
   * Finds photos by words: with the built-in model by its labels (WordNet synonyms and broader words
   * included: "dog" finds every breed), with a CLIP pack by its text tower. Unknown words come back with
   * near words.
   */
  searchWords(text: string, k = 10, filters: WordFilters = {}): Promise<WordSearchResult> {
    return this.services.search.searchWords(text, k, filters)
  }

  /** A photo's tags: its labels and the broad words they fall under ("golden retriever", "dog"). */
  photoTags(id: string): Promise<PhotoTag[]> {
    return this.services.search.photoTags(id)
  }

  /** Filters with a tag as the engine takes them (the tag becomes the ids it allows). */
  resolveFilters(filters: WordFilters): Promise<SearchFilters> {
    return this.services.search.resolveFilters(filters)
  }

  async close(): Promise<void> {
    await this.services.models.close()
    await this.services.search.close()
    await this.services.albums.close()
    await this.shutdown()
  }
}
