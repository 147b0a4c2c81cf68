/**
 * The composition root: the one place an engine is assembled. Every side effect comes in as an adapter
 * (`EngineAdapters`: store, decoder, feature extractor, matmul, trash, clock, environment); the domain
 * services get what they need through their constructors, and the `Engine` facade delegates to them.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { AlbumStore } from './albums/index.js'
import { Engine, type EngineConfig } from './engine.js'
import { HeadManager } from './head/head-manager.js'
import { LabelIndex } from './labels/label-index.js'
import { acquireLibraryLock } from './library/lock.js'
import { libraryLayout } from './library/paths.js'
import { Serial } from './library/serial.js'
import { loadSettings, saveSettings } from './library/settings.js'
import type { EngineAdapters } from './ports.js'
import { ThumbnailCache } from './store/thumbnail-cache.js'
import { VerdictCache } from './dupes/verdict-cache.js'
import { AlbumsService } from './services/albums-service.js'
import { DuplicatesService } from './services/duplicates-service.js'
import { LibraryService } from './services/library-service.js'
import { ModelsService } from './services/models-service.js'
import { SearchService } from './services/search-service.js'
import { SettingsState } from './services/settings-state.js'
import { TrainingService } from './services/training-service.js'
import { headLoader } from './services/visual-space.js'

export async function createEngine(config: EngineConfig, adapters: EngineAdapters): Promise<Engine> {
  const layout = libraryLayout(path.resolve(config.libraryDir))
  await fs.mkdir(layout.dir, { recursive: true })
  const release = config.readOnly
    ? async () => {}
    : await acquireLibraryLock(layout.lock, { waitMs: config.lockWaitMs })
  try {
    const settings = new SettingsState(await loadSettings(layout.settings), (s) =>
      saveSettings(layout.settings, s),
    )
    const store = await adapters.store(layout.db)
    /** Every change to the library happens one at a time. */
    const serial = new Serial()
    const { clock, decoder } = adapters
    const readOnly = config.readOnly ?? false

    const models = new ModelsService({
      packsDir: layout.packs,
      settings,
      serial,
      clock,
      openExtractor: adapters.featureExtractor,
      createMatMul: adapters.matmul,
      providers: config.providers,
      mirror: config.modelMirror ?? adapters.env.modelMirror,
      onProgress: config.onProgress,
    })
    const matmul = () => models.matmul()
    const heads = new HeadManager({
      store,
      headsDir: layout.heads,
      matmul,
      getActive: () => settings.get().activeHead,
      setActive: (version) => settings.update({ activeHead: version }),
      onProgress: config.onProgress,
      now: () => clock.now(),
    })
    const thumbnails = new ThumbnailCache(layout.thumbs)
    const installedPack = () => models.installedPack()
    const featureExtractor = () => models.featureExtractor()
    const loadHead = headLoader(layout.heads)

    const labels = new LabelIndex({ store, packsDir: layout.packs, settings, matmul })

    const library = new LibraryService({
      layout,
      store,
      thumbnails,
      heads,
      settings,
      serial,
      decoder,
      clock,
      installedPack,
      featureExtractor,
      onProgress: config.onProgress,
      // Before any scan: rows of files a crash left in the trash are marked, never removed.
      settleTrash: readOnly ? undefined : (): Promise<void> => duplicates.settle(),
      // After each run: labels for photos that have features but none yet (new, or from before labels).
      fillLabels: readOnly ? undefined : (signal) => labels.fillMissing(signal),
      // During a run: each embedded batch is labelled at once, so the fill after it has nothing left to do.
      labelFeatures: readOnly ? undefined : (model, features) => labels.encodedFor(model, features),
    })
    const search = new SearchService({
      store,
      heads,
      loadHead,
      matmul,
      packsDir: layout.packs,
      settings,
      decoder,
      featureExtractor,
      textEmbedder: (dir, manifest) => models.textEmbedder(dir, manifest),
      photoByPath: (p) => library.photoByPath(p),
      labels,
    })
    models.onSessionsDropped(() => search.dropTextSearch())
    const photoSearch = () => search.photoSearch()
    const duplicates = new DuplicatesService({
      store,
      heads,
      loadHead,
      matmul,
      serial,
      trash: adapters.trash({ libraryDir: layout.dir, now: () => clock.now() }),
      photoSearch,
      syncPaths: (paths) => library.syncPaths(paths),
      // The verifier reads each photo's thumbnail (made at indexing), not the whole file.
      // Verdicts are kept between runs in the library folder (verdict-cache.ts), except in a read-only one.
      verifier: async (options) =>
        adapters.pairVerifier(
          (p) => adapters.decoder.read(p),
          (hash) => thumbnails.read(hash),
          {
            ...options,
            verdicts: readOnly ? VerdictCache.inMemory() : await VerdictCache.open(layout.verdicts),
          },
        ),
    })
    const albums = new AlbumsService({
      store,
      openAlbums: () => AlbumStore.open(layout.db, { readOnly: config.readOnly }),
      photoSearch,
    })
    const training = new TrainingService({
      store,
      heads,
      headsDir: layout.heads,
      settings,
      serial,
      readOnly,
      albums: () => albums.albums(),
      matmul,
      installedPack,
    })

    const engine = new Engine({
      layout,
      store,
      heads,
      thumbnails,
      settings,
      services: { library, duplicates, albums, training, search, models },
      shutdown: async () => {
        store.close()
        await release()
      },
    })
    await training.recoverHeadPointer()
    // A trash action interrupted by a crash is finished or rolled back before anything else happens.
    if (!readOnly) await duplicates.recover()
    return engine
  } catch (error) {
    await release()
    throw error
  }
}
