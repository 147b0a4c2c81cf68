import path from 'node:path'
import { exportAlbums, importAlbums, photoLookup, photoMatcher, type AlbumStore } from '../albums/index.js'
import { normalizeRows } from '../head/head.js'
import type { PhotoSearch, SearchHit } from '../search/photo-search.js'
import type { PhotoRow, PhotoStore } from '../store/photo-store.js'

export interface AlbumsServiceDeps {
  store: PhotoStore
  /** Opens the library's albums (read-only when the engine is). */
  openAlbums: () => Promise<AlbumStore>
  photoSearch: () => PhotoSearch
}

/**
 * The unit-length mean of the rows' embeddings (rows without one are skipped), or null when none has
 * one. Rows whose embedding length differs from the first one's are a caller error.
 */
export function albumCentre(rows: ReadonlyArray<Pick<PhotoRow, 'embedding'>>): Float32Array | null {
  const dims = rows.find((r) => r.embedding)?.embedding?.length
  if (!dims) return null
  const centre = new Float32Array(dims)
  for (const r of rows) if (r.embedding) for (let d = 0; d < dims; d++) centre[d]! += r.embedding[d]!
  normalizeRows(centre, dims)
  return centre
}

/** Albums: opening them, export and import, and suggestions of photos that belong in one. */
export class AlbumsService {
  private albumsValue: Promise<AlbumStore> | null = null

  constructor(private readonly deps: AlbumsServiceDeps) {}

  /** The library's albums (opened on first use). */
  albums(): Promise<AlbumStore> {
    this.albumsValue ??= this.deps.openAlbums()
    return this.albumsValue
  }

  async exportAlbums(file: string) {
    return exportAlbums(await this.albums(), photoLookup(this.deps.store), path.resolve(file))
  }

  async importAlbums(file: string) {
    return importAlbums(await this.albums(), path.resolve(file), await photoMatcher(this.deps.store))
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
    const centre = albumCentre(await this.deps.store.get([...members]))
    if (!centre) throw new Error(`No photo of "${album}" has an embedding yet.`)
    const all = await this.deps.store.query(`status = 'ok'`, ['id'])
    const unlabelled = new Set(all.map((r) => r.id).filter((id) => !labelled.has(id)))
    return this.deps.photoSearch().similarToVector(centre, k, { ids: unlabelled })
  }

  async close(): Promise<void> {
    if (this.albumsValue) await (await this.albumsValue.catch(() => null))?.close()
  }
}
