import path from 'node:path'
import { decodeFeature } from '../head/feature-codec.js'
import { clusterPhotos, type ClusterOptions, type PhotoGroup } from '../groups/cluster-photos.js'
import { applyHead } from '../head/head.js'
import { openPack } from '../models/install.js'
import type { ExtractorResult, PhotoDecoder, SettingsPort } from '../ports.js'
import type { FeatureSearch } from '../search/feature-search.js'
import { PhotoSearch, type SearchFilters, type SearchHit } from '../search/photo-search.js'
import type { PhotoRow, PhotoStore } from '../store/photo-store.js'
import type { TextEmbedder } from '../text/text-embedder.js'
import type { ModelManifest } from '../types.js'
import { toVisualSpace, type VisualSpaceDeps } from './visual-space.js'

export interface SearchServiceDeps extends VisualSpaceDeps {
  store: PhotoStore
  packsDir: string
  settings: SettingsPort
  decoder: PhotoDecoder
  featureExtractor: () => Promise<ExtractorResult>
  textEmbedder: (dir: string, manifest: ModelManifest) => Promise<TextEmbedder>
  photoByPath: (p: string) => Promise<PhotoRow | undefined>
}

export type GroupWithPaths = PhotoGroup & { paths: string[]; coverPath: string }

/** Finding photos: similar ones (to a photo or any file), automatic groups, and text search. */
export class SearchService {
  private search: PhotoSearch | null = null
  private textSearch: FeatureSearch | null = null

  constructor(private readonly deps: SearchServiceDeps) {}

  /** The exact similarity index over the library's embeddings (shared with duplicates and albums). */
  photoSearch(): PhotoSearch {
    this.search ??= new PhotoSearch(this.deps.store)
    return this.search
  }

  /** Automatic groups of visually related photos, split into events by capture time. */
  async groups(options: ClusterOptions = {}): Promise<{ groups: GroupWithPaths[]; ungrouped: number }> {
    // Like duplicates, groups are visual: found in the library's own space, not a trained head's.
    const rows = await this.deps.store.query(`status = 'ok' AND embedding IS NOT NULL`, [
      'id',
      'path',
      'embedding',
      'takenAt',
      'feature',
      'featureModel',
    ])
    await toVisualSpace(rows, this.deps)
    const pathOf = new Map(rows.map((r) => [r.id, r.path]))
    const result = await clusterPhotos(
      rows
        .filter((r) => r.embedding !== null)
        .map((r) => ({ id: r.id, embedding: r.embedding!, takenAt: r.takenAt })),
      await this.deps.matmul(),
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

  /**
   * The k photos most similar to `target`: a library photo, or any image file (decoded and embedded on
   * the fly, not added to the library). Exact cosine ranking on the 64-d embeddings.
   */
  async similar(target: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const abs = path.resolve(target)
    const known = await this.deps.photoByPath(abs)
    if (known?.embedding) return this.photoSearch().similarToPhoto(known.id, k, filters)
    return this.photoSearch().similarToVector(await this.embedFile(abs), k, filters)
  }

  /** The k photos most similar to a library photo (itself excluded), by id. */
  async similarToPhoto(id: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    return this.photoSearch().similarToPhoto(id, k, filters)
  }

  /** Decodes, embeds and projects one file with the active model and head, without storing anything. */
  async embedFile(file: string): Promise<Float32Array> {
    const ex = await this.deps.featureExtractor()
    if (!ex.ok) throw new Error(ex.reason)
    const head = await this.deps.heads.current()
    if (!head || head.model !== ex.extractor.model)
      throw new Error('The library has no embeddings yet: index some photos first.')
    const bytes = await this.deps.decoder.read(file)
    const decoded = await this.deps.decoder.decode(bytes, {
      inputSize: ex.extractor.inputSize,
      name: path.basename(file),
    })
    const [feature] = await ex.extractor.embed([decoded.modelInput])
    return applyHead(head, decodeFeature(feature!, head.codec), 1, await this.deps.matmul())
  }

  /**
   * Text search ("dog on a beach") with a pack that has a text tower (CLIP): the text embedding is
   * compared with the photos' image features in the model's shared space.
   */
  async searchText(text: string, k = 10, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const model = this.deps.settings.get().model
    const { dir, manifest } = await openPack(this.deps.packsDir, model, { verify: false }).catch(() => {
      throw new Error(`The model pack ${model} is not installed: run \`tessera models download ${model}\`.`)
    })
    // Text search's modules (and their inference runtime) load with the first text query.
    if (!manifest.text) {
      const { NoTextTowerError } = await import('../text/text-embedder.js')
      throw new NoTextTowerError(manifest)
    }
    const [query] = await (await this.deps.textEmbedder(dir, manifest)).embed([text])
    const { FeatureSearch } = await import('../search/feature-search.js')
    this.textSearch ??= new FeatureSearch(
      this.deps.store,
      `${manifest.id}@${manifest.version}`,
      manifest.visual.codec,
    )
    return this.textSearch.search(query!, k, filters)
  }

  /** Forgets the text index (its model's sessions were closed: another pack or other providers). */
  async dropTextSearch(): Promise<void> {
    await this.textSearch?.close()
    this.textSearch = null
  }

  async close(): Promise<void> {
    await this.search?.close()
    await this.dropTextSearch()
  }
}
