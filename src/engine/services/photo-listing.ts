/**
 * Every photo of the library with what is known of it (date and where the date came from, camera, size,
 * place, tags, albums), oldest first, through the same filters as search: what `tessera photos` lists.
 */
import type { AlbumStore } from '../albums/index.js'
import { CLASSES } from '../labels/imagenet.js'
import { decodeLabels, TAG_MIN_EVIDENCE } from '../labels/photo-labels.js'
import { filterMeta, makeFilter, type SearchFilters } from '../search/photo-search.js'
import type { PhotoStore } from '../store/photo-store.js'

export interface PhotoListing {
  id: string
  path: string
  /** ISO 8601; local wall-clock time unless it carries an offset. */
  takenAt: string | null
  dateSource: string | null
  camera: string | null
  /** Bytes. */
  size: number
  place: { city: string | null; country: string | null } | null
  /** What the photo shows, from the built-in model's labels; null until labelled. */
  tags: string[] | null
  /** Album names. */
  albums: string[]
}

export interface PhotosFilters extends SearchFilters {
  /** An album's name or id. */
  album?: string
}

const COLUMNS = [
  'id',
  'path',
  'takenAt',
  'dateSource',
  'cameraMake',
  'cameraModel',
  'size',
  'format',
  'placeCity',
  'placeCountry',
  'labels',
]

/** The class names of a `labels` column value with enough evidence to show as tags; null when unlabelled. */
export function tagNames(labels: string | null): string[] | null {
  if (labels === null) return null
  return decodeLabels(labels)
    .filter((l) => l.p >= TAG_MIN_EVIDENCE)
    .sort((a, b) => b.p - a.p)
    .map((l) => CLASSES[l.cls]!.name)
}

export interface PhotoListingDeps {
  store: PhotoStore
  albums: () => Promise<AlbumStore>
}

export async function listPhotos(
  deps: PhotoListingDeps,
  filters: PhotosFilters = {},
): Promise<PhotoListing[]> {
  const rows = await deps.store.query(`status = 'ok'`, COLUMNS)
  const albums = await deps.albums()
  const names = new Map((await albums.list()).map((a) => [a.id, a.name]))
  const albumsOf = new Map<string, string[]>()
  for (const m of await albums.memberships())
    albumsOf.set(m.photoId, [...(albumsOf.get(m.photoId) ?? []), names.get(m.albumId) ?? m.albumId])
  const { album, ...rest } = filters
  const search: SearchFilters = { ...rest }
  if (album) {
    const members = new Set(await albums.members(album))
    search.ids = rest.ids ? new Set([...rest.ids].filter((id) => members.has(id))) : members
  }
  const meta = filterMeta(rows)
  const allow = makeFilter(search, meta)
  const out = rows
    .filter((r) => !allow || allow(r.id))
    .map((r) => ({
      id: r.id,
      path: r.path,
      takenAt: r.takenAt,
      dateSource: r.dateSource,
      camera: [r.cameraMake, r.cameraModel].filter(Boolean).join(' ') || null,
      size: r.size,
      place:
        r.placeCity || r.placeCountry ? { city: r.placeCity || null, country: r.placeCountry || null } : null,
      tags: tagNames(r.labels),
      albums: (albumsOf.get(r.id) ?? []).sort((a, b) => a.localeCompare(b)),
    }))
  // Oldest first by the instant when it is known; photos without a date last; then by path.
  const time = (p: PhotoListing) => {
    const t = p.takenAt ? Date.parse(p.takenAt) : Number.NaN
    return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY
  }
  return out.sort((a, b) => time(a) - time(b) || a.path.localeCompare(b.path))
}
