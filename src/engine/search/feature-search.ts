import { decodeFeature } from '../embed/image-embedder.js'
import { normalizeRows } from '../head/head.js'
import type { PhotoStore } from '../store/photo-store.js'
import { sqlString } from '../store/photo-store.js'
import type { FeatureCodec } from '../types.js'
import {
  FILTER_COLUMNS,
  indexRows,
  makeFilter,
  type PhotoMeta,
  type SearchFilters,
  type SearchHit,
} from './photo-search.js'
import type { SimilarityIndex } from './similarity-index.js'

/**
 * Search in the backbone's own space (CLIP's 512-d image features), where a text embedding can be
 * compared with photos. Built from the stored features, rebuilt when the store changes.
 */
export class FeatureSearch {
  private index: SimilarityIndex | null = null
  private meta = new Map<string, PhotoMeta>()
  private builtAt = -1

  constructor(
    private readonly store: PhotoStore,
    private readonly model: string,
    private readonly codec: FeatureCodec,
  ) {}

  private async ensure(dims: number): Promise<SimilarityIndex> {
    const version = await this.store.version()
    if (this.index && this.builtAt === version) return this.index
    const rows = await this.store.query(`status = 'ok' AND featureModel = ${sqlString(this.model)}`, [
      ...FILTER_COLUMNS,
      'feature',
    ])
    const vectors = new Float32Array(rows.length * dims)
    rows.forEach((r, i) => decodeFeature(r.feature!, this.codec, vectors, i * dims))
    normalizeRows(vectors, dims)
    const built = indexRows(rows, dims, vectors)
    await this.index?.close()
    this.index = built.index
    this.meta = built.meta
    this.builtAt = version
    return built.index
  }

  async search(query: Float32Array, k: number, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const index = await this.ensure(query.length)
    const found = await index.query(query, k, { allow: makeFilter(filters, this.meta) })
    return found.map((n) => ({ id: n.id, path: this.meta.get(n.id)!.path, score: n.score }))
  }

  async close(): Promise<void> {
    await this.index?.close()
    this.index = null
  }
}
