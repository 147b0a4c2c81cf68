import { canonicalPath } from '../library/canonical-path.js'
import type { PhotoRow, PhotoStore } from '../store/photo-store.js'
import { isInside } from '../scan/ignore.js'
import { SimilarityIndex, type Neighbour } from './similarity-index.js'
import { placeMatcher } from '../places/place-match.js'

/** Filters that combine with any query. All are optional; dates are ISO strings (a day or a full time). */
export interface SearchFilters {
  /** Only photos inside this folder (a root or any folder below one). */
  folder?: string
  /** Capture date range, inclusive. Photos without a date are excluded when a range is given. */
  from?: string
  to?: string
  /** File types, e.g. ['jpeg', 'heic']. */
  types?: string[]
  /** Only photos with these ids (an album's members). */
  ids?: ReadonlySet<string>
  /** Only photos placed in this city or country ("Paris", "France", "Paris, France"; accents optional). */
  place?: string
}

export interface SearchHit {
  id: string
  path: string
  score: number
}

export interface PhotoMeta {
  path: string
  takenAt: string | null
  format: string | null
  /** The reverse-geocoded place (places/), for the place filter. */
  placeCity?: string | null
  placeCountry?: string | null
}

/** The columns a search filter reads (with the id): query them, then index them with {@link filterMeta}. */
export const FILTER_COLUMNS = ['id', 'path', 'takenAt', 'format', 'placeCity', 'placeCountry']

/** What {@link makeFilter} needs of each row, by id. */
export function filterMeta(
  rows: ReadonlyArray<
    Pick<PhotoRow, 'id' | 'path' | 'takenAt' | 'format'> &
      Partial<Pick<PhotoRow, 'placeCity' | 'placeCountry'>>
  >,
): Map<string, PhotoMeta> {
  return new Map(
    rows.map((r) => [
      r.id,
      {
        path: r.path,
        takenAt: r.takenAt,
        format: r.format,
        placeCity: r.placeCity,
        placeCountry: r.placeCountry,
      },
    ]),
  )
}

/** `to` given as a day includes the whole day. */
function upperBound(to: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999` : to
}

export function makeFilter(
  filters: SearchFilters,
  meta: ReadonlyMap<string, PhotoMeta>,
): ((id: string) => boolean) | undefined {
  const folder = filters.folder ? canonicalPath(filters.folder) : undefined
  const types = filters.types?.map((t) => (t.toLowerCase() === 'jpg' ? 'jpeg' : t.toLowerCase()))
  const to = filters.to ? upperBound(filters.to) : undefined
  const place = filters.place ? placeMatcher(filters.place) : null
  if (!folder && !filters.from && !to && !types && !filters.ids && !place) return undefined
  return (id) => {
    const m = meta.get(id)
    if (!m) return false
    if (filters.ids && !filters.ids.has(id)) return false
    if (folder && !isInside(m.path, folder)) return false
    if (types && (!m.format || !types.includes(m.format))) return false
    if (place && !place(m.placeCity ?? null, m.placeCountry ?? null)) return false
    if (filters.from || to) {
      if (!m.takenAt) return false
      if (filters.from && m.takenAt < filters.from) return false
      if (to && m.takenAt > to) return false
    }
    return true
  }
}

/** An index over rows' vectors (row-major, in the rows' order), with what filters need to know of each. */
export function indexRows(
  rows: ReadonlyArray<
    Pick<PhotoRow, 'id' | 'path' | 'takenAt' | 'format'> &
      Partial<Pick<PhotoRow, 'placeCity' | 'placeCountry'>>
  >,
  dims: number,
  vectors: Float32Array,
): { index: SimilarityIndex; meta: Map<string, PhotoMeta> } {
  const index = new SimilarityIndex(dims)
  index.upsert(
    rows.map((r) => r.id),
    vectors,
  )
  return { index, meta: filterMeta(rows) }
}

/**
 * Similar-photo search: an exact in-memory index of every photo's embedding (SimilarityIndex), rebuilt
 * from the store whenever the store has changed since it was built. Filters are checked only on the
 * candidates that would enter the top k.
 */
export class PhotoSearch {
  private index: SimilarityIndex | null = null
  private meta = new Map<string, PhotoMeta>()
  private builtAt = -1
  private building: Promise<void> | null = null

  constructor(private readonly store: PhotoStore) {}

  private async ensure(): Promise<SimilarityIndex> {
    const version = await this.store.version()
    if (this.index && version === this.builtAt) return this.index
    this.building ??= (async () => {
      const rows = await this.store.query(`status = 'ok' AND embedding IS NOT NULL`, [
        ...FILTER_COLUMNS,
        'embedding',
      ])
      const dims = rows[0]?.embedding?.length ?? 64
      const vectors = new Float32Array(rows.length * dims)
      rows.forEach((r, i) => vectors.set(r.embedding!, i * dims))
      const built = indexRows(rows, dims, vectors)
      await this.index?.close()
      this.index = built.index
      this.meta = built.meta
      this.builtAt = version
    })().finally(() => (this.building = null))
    await this.building
    return this.index!
  }

  /** The k photos most similar to a library photo (itself excluded). */
  async similarToPhoto(id: string, k: number, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const index = await this.ensure()
    const vector = index.vectorOf(id)
    if (!vector) throw new Error('That photo has no embedding yet (it may still be pending).')
    return this.hits(await index.query(vector, k, { allow: makeFilter(filters, this.meta), exclude: id }))
  }

  /** Raw neighbours of a library photo by id (for duplicate finding): no filters, no paths. */
  async neighboursOf(id: string, k: number): Promise<Neighbour[]> {
    const index = await this.ensure()
    const vector = index.vectorOf(id)
    return vector ? index.query(vector, k, { exclude: id }) : []
  }

  /** The k photos most similar to an embedding (of a file that is not in the library, say). */
  async similarToVector(vector: Float32Array, k: number, filters: SearchFilters = {}): Promise<SearchHit[]> {
    const index = await this.ensure()
    return this.hits(await index.query(vector, k, { allow: makeFilter(filters, this.meta) }))
  }

  private hits(neighbours: Neighbour[]): SearchHit[] {
    return neighbours.map((n) => ({ id: n.id, path: this.meta.get(n.id)!.path, score: n.score }))
  }

  async close(): Promise<void> {
    await this.index?.close()
    this.index = null
  }
}
