/**
 * The photo side of export and import, over the `photos` table: what a member is (path, hash) and which
 * photo of this library an exported member is (by id, else by content hash, else by path).
 */
import type { IndexState, PhotoStore } from '../store/photo-store.js'
import type { ExportedMember, MemberResolver, PhotoLookup } from './album-io.js'

type PhotoSource = Pick<PhotoStore, 'indexState'>

/** Path and hash of photos by id, read from the light columns of the photos table in one pass. */
export function photoLookup(photos: PhotoSource): PhotoLookup {
  return async (ids) => {
    const wanted = new Set(ids)
    const out = new Map<string, { path: string; hash: string | null }>()
    for (const row of await photos.indexState())
      if (wanted.has(row.id)) out.set(row.id, { path: row.path, hash: row.hash })
    return out
  }
}

/** Of several files with one content, the readable one with the first path: the same choice every time. */
function better(a: IndexState, b: IndexState): IndexState {
  if ((a.status === 'ok') !== (b.status === 'ok')) return a.status === 'ok' ? a : b
  return a.path <= b.path ? a : b
}

/** Resolves exported members to this library's photo ids: by id, else by content hash, else by path. */
export async function photoMatcher(photos: PhotoSource): Promise<MemberResolver> {
  const rows = await photos.indexState()
  const ids = new Set(rows.map((r) => r.id))
  const byHash = new Map<string, IndexState>()
  const byPath = new Map<string, string>()
  for (const row of rows) {
    byPath.set(row.path, row.id)
    if (!row.hash) continue
    const seen = byHash.get(row.hash)
    byHash.set(row.hash, seen ? better(seen, row) : row)
  }
  return async (m: ExportedMember) => {
    if (m.id && ids.has(m.id)) return m.id
    if (m.hash) {
      const hit = byHash.get(m.hash)
      if (hit) return hit.id
    }
    if (m.path) return byPath.get(m.path) ?? null
    return null
  }
}
