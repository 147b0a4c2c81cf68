/**
 * Export and import of albums as a versioned JSON file, so labelling work survives a lost library, a move to
 * another machine or a fresh start. Members are written with their id, path and content hash, so an import
 * into another library can find the same photos even though their ids differ there.
 */
import fs from 'node:fs/promises'
import { z } from 'zod'
import { writeFileAtomic } from '../library/atomic-file.js'
import { AlbumError } from './album-error.js'
import { cleanAlbumName } from './album-names.js'
import type { AlbumStore, MergeEntry } from './album-store.js'

export const ALBUMS_EXPORT_FORMAT = 'tessera-albums'
export const ALBUMS_EXPORT_VERSION = 1

const memberSchema = z
  .object({
    /** The photo's id in the library it was exported from. */
    id: z.string().min(1).nullish(),
    /** Absolute path at export time. */
    path: z.string().min(1).nullish(),
    /** sha256 of the file's content. */
    hash: z.string().min(1).nullish(),
  })
  .refine((m) => m.id || m.path || m.hash, { message: 'a member needs an id, a path or a hash' })

export const albumsExportSchema = z.object({
  format: z.literal(ALBUMS_EXPORT_FORMAT),
  version: z.literal(ALBUMS_EXPORT_VERSION),
  exportedAt: z.string().optional(),
  albums: z.array(z.object({ name: z.string(), members: z.array(memberSchema) })),
})
export type AlbumsExport = z.infer<typeof albumsExportSchema>

/** A member as the export file has it; an import resolves it to a photo of this library. */
export interface ExportedMember {
  id: string | null
  path: string | null
  hash: string | null
}

export type PhotoLookup = (ids: string[]) => Promise<Map<string, { path: string; hash: string | null }>>
export type MemberResolver = (member: ExportedMember) => Promise<string | null>

export interface ExportReport {
  file: string
  albums: number
  members: number
  /** Members whose photo the lookup no longer knows: written with their id only. */
  missing: number
}

/** Writes every album and its members to `file`, atomically (a crash leaves the old file or the new one). */
export async function exportAlbums(
  store: AlbumStore,
  photoLookup: PhotoLookup,
  file: string,
): Promise<ExportReport> {
  const albums = await store.contents()
  const ids = [...new Set(albums.flatMap((a) => a.members))]
  const photos =
    ids.length > 0 ? await photoLookup(ids) : new Map<string, { path: string; hash: string | null }>()
  let missing = 0
  const doc: AlbumsExport = {
    format: ALBUMS_EXPORT_FORMAT,
    version: ALBUMS_EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    albums: albums.map((a) => ({
      name: a.name,
      members: a.members.map((id) => {
        const photo = photos.get(id)
        if (!photo) missing++
        return { id, path: photo?.path ?? null, hash: photo?.hash ?? null }
      }),
    })),
  }
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n')
  const members = doc.albums.reduce((n, a) => n + a.members.length, 0)
  return { file, albums: albums.length, members, missing }
}

export interface ImportReport {
  /** Albums in the file (names differing only in case count once). */
  albums: number
  /** Of those, albums that did not exist yet. */
  created: number
  /** Memberships added. */
  added: number
  /** Memberships that were already there. */
  already: number
  /** Members no photo of this library matched. */
  unmatched: Array<{ album: string; id: string | null; path: string | null }>
}

function invalid(file: string, what: string): AlbumError {
  return new AlbumError(`Cannot import "${file}": ${what} Nothing was changed.`, 'invalid-file')
}

/** Reads and checks an export file completely; throws an `AlbumError` naming the first problem. */
export async function readAlbumsFile(file: string): Promise<AlbumsExport> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw invalid(file, e.code === 'ENOENT' ? 'there is no such file.' : `it cannot be read (${e.message}).`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw invalid(file, `it is not valid JSON (${(error as Error).message}).`)
  }
  const head = z.object({ format: z.unknown(), version: z.unknown() }).safeParse(raw)
  if (!head.success || head.data.format !== ALBUMS_EXPORT_FORMAT)
    throw invalid(file, `it is not a Tessera albums export (it lacks "format": "${ALBUMS_EXPORT_FORMAT}").`)
  const version = head.data.version
  if (typeof version === 'number' && Number.isInteger(version) && version > ALBUMS_EXPORT_VERSION)
    throw invalid(
      file,
      `it was written by a newer Tessera (format version ${version}); this one reads version ${ALBUMS_EXPORT_VERSION}.`,
    )
  const parsed = albumsExportSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length > 0 ? ` at ${z.core.toDotPath(issue.path)}` : ''
    throw invalid(file, `${issue.message}${where}.`)
  }
  parsed.data.albums.forEach((album, i) => {
    try {
      cleanAlbumName(album.name)
    } catch (error) {
      throw invalid(
        file,
        `album ${i + 1} (${JSON.stringify(album.name.slice(0, 60))}): ${(error as Error).message}`,
      )
    }
  })
  return parsed.data
}

/**
 * Merges the albums of an export file into the store: each into the album of the same name (created if
 * missing), each member resolved to a photo of this library. One atomic change: a malformed file, an
 * invalid name or a failing resolver changes nothing.
 */
export async function importAlbums(
  store: AlbumStore,
  file: string,
  resolve: MemberResolver,
): Promise<ImportReport> {
  const doc = await readAlbumsFile(file)
  const cache = new Map<string, Promise<string | null>>()
  const resolveOnce = (m: ExportedMember) => {
    const key = JSON.stringify([m.id, m.hash, m.path])
    let hit = cache.get(key)
    if (!hit) cache.set(key, (hit = resolve(m)))
    return hit
  }
  const unmatched: ImportReport['unmatched'] = []
  const entries: MergeEntry[] = []
  for (const album of doc.albums) {
    const name = cleanAlbumName(album.name)
    const photoIds: string[] = []
    const members = album.members.map((m) => ({
      id: m.id ?? null,
      path: m.path ?? null,
      hash: m.hash ?? null,
    }))
    // A bounded number of lookups in flight: resolvers usually query the photos table.
    for (let i = 0; i < members.length; i += 64) {
      const part = members.slice(i, i + 64)
      const found = await Promise.all(part.map(resolveOnce))
      found.forEach((photoId, j) => {
        if (photoId) photoIds.push(photoId)
        else unmatched.push({ album: name, id: part[j]!.id, path: part[j]!.path })
      })
    }
    entries.push({ name, photoIds })
  }
  const merged = await store.merge(entries)
  return { ...merged, unmatched }
}
