import type { Serial } from '../library/serial.js'
import { CATALOG, findCatalogEntry } from '../models/catalog.js'
import { importPackFolder, listCustomPacks } from '../models/custom-pack.js'
import { explainDownloadFailure, installPack, listPacks, openPack } from '../models/install.js'
import type {
  Clock,
  ExtractorResult,
  FeatureExtractorFactory,
  MatMul,
  MatMulFactory,
  ProgressEvent,
  SettingsPort,
} from '../ports.js'
import type { TextEmbedder } from '../text/text-embedder.js'
import type { FeatureCodec, ModelManifest, ProviderName } from '../types.js'

export interface ModelsServiceDeps {
  packsDir: string
  settings: SettingsPort
  serial: Serial
  clock: Clock
  openExtractor: FeatureExtractorFactory
  createMatMul: MatMulFactory
  /** This session's provider override (else the library's setting). */
  providers?: ProviderName[]
  /** Folder or URL replacing the packs' upstream sources. */
  mirror?: string
  onProgress?: (event: ProgressEvent) => void
  /** Opens a pack's text tower (default: onnxruntime). */
  openTextEmbedder?: (
    dir: string,
    manifest: ModelManifest,
    providers: ProviderName[],
  ) => Promise<TextEmbedder>
}

/**
 * Model packs and the sessions opened on them: the backbone (feature extractor), the text tower and the
 * engine's one matrix-product session. Switching pack or providers closes the sessions, so the next use
 * reopens them.
 */
export class ModelsService {
  private extractor: Promise<ExtractorResult> | null = null
  private matmulValue: Promise<MatMul> | null = null
  private text: Promise<TextEmbedder> | null = null
  private readonly dropListeners: Array<() => Promise<void>> = []

  constructor(private readonly deps: ModelsServiceDeps) {}

  /** The execution providers tried, in order: this session's override, else the library's setting. */
  get providers(): ProviderName[] {
    return this.deps.providers ?? this.deps.settings.get().providers
  }

  matmul(): Promise<MatMul> {
    this.matmulValue ??= this.deps.createMatMul()
    return this.matmulValue
  }

  /** The installed active pack's model id and feature codec, from its manifest alone (no session). */
  async installedPack(): Promise<{ model: string; codec: FeatureCodec } | null> {
    try {
      const { manifest } = await openPack(this.deps.packsDir, this.deps.settings.get().model, {
        verify: false,
      })
      return { model: `${manifest.id}@${manifest.version}`, codec: manifest.visual.codec }
    } catch {
      return null
    }
  }

  /** Opens the active pack's backbone once; records the provider it runs on in the settings. */
  featureExtractor(): Promise<ExtractorResult> {
    this.extractor ??= (async (): Promise<ExtractorResult> => {
      const result = await this.deps.openExtractor({
        packsDir: this.deps.packsDir,
        packId: this.deps.settings.get().model,
        mirror: this.deps.mirror,
        providers: this.providers,
        onProgress: this.deps.onProgress,
      })
      if (result.ok) {
        const { provider, attempts } = result.extractor
        await this.deps.settings.update({
          lastProvider: { provider, attempts, at: this.deps.clock.now().toISOString() },
        })
      }
      return result
    })()
    return this.extractor
  }

  /** The text tower of an installed pack (opened once per pack and providers). */
  textEmbedder(dir: string, manifest: ModelManifest): Promise<TextEmbedder> {
    const open =
      this.deps.openTextEmbedder ??
      (async (d: string, m: ModelManifest, providers: ProviderName[]) => {
        // onnxruntime loads with the first text search, not with the engine.
        const { TextEmbedder } = await import('../text/text-embedder.js')
        return TextEmbedder.open(d, m, { providers })
      })
    this.text ??= open(dir, manifest, this.providers)
    return this.text
  }

  /** Called after the sessions are closed (a pack or provider switch): caches built on them go too. */
  onSessionsDropped(listener: () => Promise<void>): void {
    this.dropListeners.push(listener)
  }

  /** The catalog's packs and any imported custom packs, with whether each is installed. */
  async listModels() {
    const custom = (await listCustomPacks(this.deps.packsDir)).map((p) => ({
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
    const catalog = (await listPacks(this.deps.packsDir)).map((p) => ({
      ...p,
      custom: false,
      text: Boolean(CATALOG.find((c) => c.id === p.id)?.manifest.text),
    }))
    return [...catalog, ...custom]
  }

  async importModel(folder: string): Promise<string> {
    return (await importPackFolder(folder, this.deps.packsDir)).id
  }

  async downloadModel(id: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal) {
    // null: no mirror (never a fallback to the process environment).
    const mirror = this.deps.mirror ?? null
    try {
      return await installPack(id, { packsDir: this.deps.packsDir, mirror, onProgress, signal })
    } catch (err) {
      const entry = findCatalogEntry(id)
      if (signal?.aborted || !entry) throw err
      throw explainDownloadFailure(entry, err, mirror ?? undefined)
    }
  }

  async useModel(id: string): Promise<void> {
    await this.deps.serial.run(async () => {
      const pack = (await this.listModels()).find((p) => p.id === id)
      if (!pack) throw new Error(`There is no model pack "${id}". See \`tessera models list\`.`)
      if (!pack.installed) throw new Error(`The model pack ${id} is not installed: download it first.`)
      if (id === this.deps.settings.get().model) return
      await this.deps.settings.update({ model: id })
      await this.dropSessions()
    })
  }

  async setProviders(providers: ProviderName[]): Promise<void> {
    await this.deps.serial.run(async () => {
      await this.deps.settings.update({ providers })
      await this.dropSessions()
    })
  }

  /** Closes the model sessions so the next use opens them afresh (another pack or other providers). */
  async dropSessions(): Promise<void> {
    const ex = this.extractor ? await this.extractor : null
    this.extractor = null
    if (ex?.ok) await ex.extractor.close()
    const text = this.text ? await this.text.catch(() => null) : null
    this.text = null
    await text?.close()
    for (const listener of this.dropListeners) await listener()
  }

  async close(): Promise<void> {
    const ex = this.extractor ? await this.extractor : null
    if (ex?.ok) await ex.extractor.close()
    if (this.matmulValue) await (await this.matmulValue).close()
    if (this.text) await (await this.text.catch(() => null))?.close()
  }
}
