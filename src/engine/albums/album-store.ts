/**
 * Albums: named, user-made sets of photos. A photo can be in any number of albums; membership is by the
 * photo's stable id, so renaming or moving the file keeps it.
 *
 * Every change is one record in an fsynced journal beside the LanceDB tables (see album-journal.ts for the
 * files and why not LanceDB). A crash leaves the albums as they were before or after a change, never half;
 * a change is acknowledged (its promise resolves) only once it is on disk. Reads are served from memory.
 *
 * @example
 * const albums = await AlbumStore.open(layout.db)
 * const holidays = await albums.create('Holidays')
 * await albums.add('holidays', [photo.id]) // names are case-insensitive
 * await albums.close()
 */
import { Serial } from '../library/serial.js'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { AlbumError } from './album-error.js'
import { AlbumJournal, ALBUMS_FOLDER } from './album-journal.js'
import { albumNameKey, cleanAlbumName } from './album-names.js'
import type { Album, AlbumRecord, AlbumState, SimpleAlbumRecord } from './album-state.js'

export type { Album } from './album-state.js'

export interface AlbumSummary extends Album {
  /** Number of photos in the album. */
  count: number
}

export interface Membership {
  albumId: string
  photoId: string
}

export interface AlbumStoreOptions {
  /** Load only: no lock, every change throws. For read-only commands beside a running writer. */
  readOnly?: boolean
  /** fsync every change (default true). Turning it off keeps crash safety against kill -9, not power loss. */
  sync?: boolean
  /** Journal size after which it is folded into the snapshot (default 1 MiB, or the snapshot's size). */
  compactAfterBytes?: number
  /** Clock, in milliseconds since the epoch. */
  now?: () => number
}

/** One album's worth of an import: merged into the album of that name, created when there is none. */
export interface MergeEntry {
  name: string
  photoIds: readonly string[]
}

export interface MergeResult {
  /** Distinct albums the entries named (after merging names that differ only in case). */
  albums: number
  created: number
  added: number
  already: number
}

function cleanPhotoIds(photoIds: readonly string[]): string[] {
  if (!Array.isArray(photoIds)) throw new AlbumError('Photo ids must be a list.', 'invalid-photo-id')
  const out = new Set<string>()
  for (const id of photoIds) {
    if (typeof id !== 'string' || id.length === 0)
      throw new AlbumError(
        `A photo id must be a non-empty string, not ${JSON.stringify(id)}.`,
        'invalid-photo-id',
      )
    out.add(id)
  }
  return [...out]
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true })
const byName = (a: Album, b: Album) => collator.compare(a.name, b.name) || a.createdAt - b.createdAt

export class AlbumStore {
  private readonly serial = new Serial()
  private closed = false

  private constructor(
    private readonly journal: AlbumJournal,
    private readonly state: AlbumState,
    private readonly now: () => number,
  ) {}

  /** Opens (creating if needed) the albums of the library whose LanceDB folder is `dbDir` (`<library>/db`). */
  static async open(dbDir: string, options: AlbumStoreOptions = {}): Promise<AlbumStore> {
    const { journal, state } = await AlbumJournal.open(path.join(dbDir, ALBUMS_FOLDER), {
      readOnly: options.readOnly ?? false,
      sync: options.sync ?? true,
      compactAfterBytes: options.compactAfterBytes ?? 1 << 20,
    })
    return new AlbumStore(journal, state, options.now ?? Date.now)
  }

  /** Every album with its photo count, sorted by name. */
  async list(): Promise<AlbumSummary[]> {
    this.open()
    return [...this.state.albums.values()]
      .sort(byName)
      .map((a) => ({ ...a, count: this.state.members.get(a.id)!.size }))
  }

  /** One album, by id or (case-insensitive) name. */
  async get(idOrName: string): Promise<AlbumSummary> {
    this.open()
    const album = this.find(idOrName)
    return { ...album, count: this.state.members.get(album.id)!.size }
  }

  async create(name: string): Promise<Album> {
    return this.change(() => {
      const clean = cleanAlbumName(name)
      this.assertFree(clean)
      const record: AlbumRecord = { op: 'create', id: randomUUID(), name: clean, at: this.now() }
      return { record, result: () => ({ ...this.state.albums.get(record.id)! }) }
    })
  }

  /** Renames an album; changing only the case of its name is allowed. */
  async rename(idOrName: string, newName: string): Promise<Album> {
    return this.change(() => {
      const album = this.find(idOrName)
      const clean = cleanAlbumName(newName)
      if (clean === album.name) return { record: null, result: () => ({ ...album }) }
      this.assertFree(clean, album.id)
      const record: AlbumRecord = { op: 'rename', id: album.id, name: clean, at: this.now() }
      return { record, result: () => ({ ...this.state.albums.get(album.id)! }) }
    })
  }

  /** Deletes an album and its memberships (never the photos). */
  async delete(idOrName: string): Promise<{ removedMemberships: number }> {
    return this.change(() => {
      const album = this.find(idOrName)
      const removedMemberships = this.state.members.get(album.id)!.size
      return {
        record: { op: 'delete', id: album.id, at: this.now() },
        result: () => ({ removedMemberships }),
      }
    })
  }

  /** Adds photos (by id); photos already in the album are counted in `already` and left as they are. */
  async add(idOrName: string, photoIds: readonly string[]): Promise<{ added: number; already: number }> {
    return this.change(() => {
      const album = this.find(idOrName)
      const ids = cleanPhotoIds(photoIds)
      const members = this.state.members.get(album.id)!
      const fresh = ids.filter((id) => !members.has(id))
      const counts = { added: fresh.length, already: ids.length - fresh.length }
      if (fresh.length === 0) return { record: null, result: () => counts }
      return { record: { op: 'add', id: album.id, photos: fresh, at: this.now() }, result: () => counts }
    })
  }

  /** Removes photos from one album; photos that were not in it are ignored. */
  async remove(idOrName: string, photoIds: readonly string[]): Promise<{ removed: number }> {
    return this.change(() => {
      const album = this.find(idOrName)
      const members = this.state.members.get(album.id)!
      const gone = cleanPhotoIds(photoIds).filter((id) => members.has(id))
      const result = () => ({ removed: gone.length })
      if (gone.length === 0) return { record: null, result }
      return { record: { op: 'remove', id: album.id, photos: gone, at: this.now() }, result }
    })
  }

  /** The album's photo ids, in the order they were added. */
  async members(idOrName: string): Promise<string[]> {
    this.open()
    return [...this.state.members.get(this.find(idOrName).id)!.keys()]
  }

  /** The ids of the albums a photo is in, sorted by album name. */
  async albumsOf(photoId: string): Promise<string[]> {
    this.open()
    return [...(this.state.photoAlbums.get(photoId) ?? [])]
      .map((id) => this.state.albums.get(id)!)
      .sort(byName)
      .map((a) => a.id)
  }

  /** Every (album, photo) pair: the labels training learns from. */
  async memberships(): Promise<Membership[]> {
    this.open()
    const out: Membership[] = []
    for (const [albumId, members] of this.state.members)
      for (const photoId of members.keys()) out.push({ albumId, photoId })
    return out
  }

  /** Drops photos that left the library from every album, in one change. Albums' updatedAt is kept. */
  async forgetPhotos(photoIds: readonly string[]): Promise<void> {
    await this.change(() => {
      const known = cleanPhotoIds(photoIds).filter((id) => this.state.photoAlbums.has(id))
      if (known.length === 0) return { record: null, result: () => undefined }
      return { record: { op: 'forget', photos: known, at: this.now() }, result: () => undefined }
    })
  }

  /**
   * Merges several albums' photos in one change (an import): each entry goes into the album of that name
   * (case-insensitively), created if missing. All or nothing: an invalid name changes nothing.
   */
  async merge(entries: readonly MergeEntry[]): Promise<MergeResult> {
    return this.change(() => {
      const at = this.now()
      const ops: SimpleAlbumRecord[] = []
      const planned = new Map<string, { id: string; members: Set<string> }>()
      const result: MergeResult = { albums: 0, created: 0, added: 0, already: 0 }
      for (const entry of entries) {
        const name = cleanAlbumName(entry.name)
        const ids = cleanPhotoIds(entry.photoIds)
        const key = albumNameKey(name)
        let target = planned.get(key)
        if (!target) {
          const existing = this.state.byName(name)
          if (existing) {
            target = { id: existing.id, members: new Set(this.state.members.get(existing.id)!.keys()) }
          } else {
            target = { id: randomUUID(), members: new Set() }
            ops.push({ op: 'create', id: target.id, name, at })
            result.created++
          }
          planned.set(key, target)
        }
        const fresh = ids.filter((id) => !target.members.has(id))
        for (const id of fresh) target.members.add(id)
        result.added += fresh.length
        result.already += ids.length - fresh.length
        if (fresh.length > 0) ops.push({ op: 'add', id: target.id, photos: fresh, at })
      }
      result.albums = planned.size
      return { record: ops.length > 0 ? { op: 'batch', ops, at } : null, result: () => result }
    })
  }

  /** Every album with its photo ids, read at one instant (for export). */
  async contents(): Promise<Array<AlbumSummary & { members: string[] }>> {
    this.open()
    return [...this.state.albums.values()].sort(byName).map((a) => {
      const members = [...this.state.members.get(a.id)!.keys()]
      return { ...a, count: members.length, members }
    })
  }

  /** Number of albums and memberships (cheap: for status lines). */
  async counts(): Promise<{ albums: number; memberships: number }> {
    this.open()
    return { albums: this.state.albums.size, memberships: this.state.membershipCount }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.serial.run(() => this.journal.close())
  }

  /**
   * Runs one change: `plan` validates against the current state and returns the record to commit (or
   * null when nothing changes). The record is made durable first, then applied in memory.
   */
  private change<T>(plan: () => { record: AlbumRecord | null; result: () => T }): Promise<T> {
    this.open()
    // Changes asked for before close() still run: close() waits behind them.
    return this.serial.run(async () => {
      this.journal.assertWritable()
      const { record, result } = plan()
      if (record) {
        await this.journal.append(record)
        this.state.apply(record)
        await this.journal.maybeCompact(this.state)
      }
      return result()
    })
  }

  private open(): void {
    if (this.closed) throw new AlbumError('The album store is closed.', 'closed')
  }

  private find(idOrName: string): Album {
    if (typeof idOrName !== 'string') throw new AlbumError('Name an album by its name or id.', 'not-found')
    const byId = this.state.albums.get(idOrName)
    if (byId) return byId
    const byName = idOrName.trim() === '' ? undefined : this.state.byName(idOrName)
    if (byName) return byName
    throw new AlbumError(`There is no album named "${idOrName.trim()}".`, 'not-found')
  }

  private assertFree(name: string, self?: string): void {
    const owner = this.state.byName(name)
    if (owner && owner.id !== self)
      throw new AlbumError(`An album named "${owner.name}" already exists.`, 'duplicate-name')
  }
}
