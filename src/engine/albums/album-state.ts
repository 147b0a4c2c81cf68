/**
 * The albums as plain data, and the records that change them. The journal stores records; replaying them
 * over the last snapshot rebuilds exactly the state the store had, so every record carries everything it
 * needs (ids, timestamps, the photos actually added) and applying it involves no choice.
 */
import { z } from 'zod'
import { albumNameKey } from './album-names.js'

export interface Album {
  id: string
  name: string
  /** Milliseconds since the epoch. */
  createdAt: number
  /** Last rename or change of membership (photos leaving the library do not count). */
  updatedAt: number
}

const idSchema = z.string().min(1)
const timeSchema = z.number().finite()

const createRecord = z.object({
  op: z.literal('create'),
  id: idSchema,
  name: z.string().min(1),
  at: timeSchema,
})
const renameRecord = z.object({
  op: z.literal('rename'),
  id: idSchema,
  name: z.string().min(1),
  at: timeSchema,
})
const deleteRecord = z.object({ op: z.literal('delete'), id: idSchema, at: timeSchema })
const addRecord = z.object({ op: z.literal('add'), id: idSchema, photos: z.array(idSchema), at: timeSchema })
const removeRecord = z.object({
  op: z.literal('remove'),
  id: idSchema,
  photos: z.array(idSchema),
  at: timeSchema,
})
const forgetRecord = z.object({ op: z.literal('forget'), photos: z.array(idSchema), at: timeSchema })
const simpleRecord = z.discriminatedUnion('op', [
  createRecord,
  renameRecord,
  deleteRecord,
  addRecord,
  removeRecord,
  forgetRecord,
])
/** Several changes committed together (an import): all of them or none. */
const batchRecord = z.object({ op: z.literal('batch'), ops: z.array(simpleRecord), at: timeSchema })

export const albumRecordSchema = z.discriminatedUnion('op', [...simpleRecord.options, batchRecord])
export type AlbumRecord = z.infer<typeof albumRecordSchema>
export type SimpleAlbumRecord = z.infer<typeof simpleRecord>

export const SNAPSHOT_FORMAT = 'tessera-albums-state'

export const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(1),
  /** The sequence number of the last journal record the snapshot includes. */
  seq: z.number().int().nonnegative(),
  albums: z.array(
    z.object({
      id: idSchema,
      name: z.string().min(1),
      createdAt: timeSchema,
      updatedAt: timeSchema,
      /** [photoId, addedAt], in the order the photos were added. */
      members: z.array(z.tuple([idSchema, timeSchema])),
    }),
  ),
})
export type AlbumSnapshot = z.infer<typeof snapshotSchema>

/** A record that does not fit the state it is applied to: only a damaged journal produces one. */
export class InconsistentRecordError extends Error {}

export class AlbumState {
  readonly albums = new Map<string, Album>()
  /** albumId → photoId → addedAt (insertion order is the order photos were added). */
  readonly members = new Map<string, Map<string, number>>()
  /** photoId → albumIds. */
  readonly photoAlbums = new Map<string, Set<string>>()
  private readonly byKey = new Map<string, string>()
  private memberships = 0

  get membershipCount(): number {
    return this.memberships
  }

  byName(name: string): Album | undefined {
    const id = this.byKey.get(albumNameKey(name))
    return id === undefined ? undefined : this.albums.get(id)
  }

  apply(record: AlbumRecord): void {
    switch (record.op) {
      case 'create': {
        if (this.albums.has(record.id)) throw new InconsistentRecordError(`album ${record.id} exists twice`)
        const key = albumNameKey(record.name)
        if (this.byKey.has(key)) throw new InconsistentRecordError(`two albums are named "${record.name}"`)
        this.albums.set(record.id, {
          id: record.id,
          name: record.name,
          createdAt: record.at,
          updatedAt: record.at,
        })
        this.byKey.set(key, record.id)
        this.members.set(record.id, new Map())
        return
      }
      case 'rename': {
        const album = this.need(record.id)
        const key = albumNameKey(record.name)
        const owner = this.byKey.get(key)
        if (owner !== undefined && owner !== record.id)
          throw new InconsistentRecordError(`two albums are named "${record.name}"`)
        this.byKey.delete(albumNameKey(album.name))
        this.byKey.set(key, record.id)
        this.albums.set(record.id, { ...album, name: record.name, updatedAt: record.at })
        return
      }
      case 'delete': {
        const album = this.need(record.id)
        for (const photoId of this.members.get(record.id)!.keys()) this.unlink(record.id, photoId)
        this.members.delete(record.id)
        this.albums.delete(record.id)
        this.byKey.delete(albumNameKey(album.name))
        return
      }
      case 'add': {
        const album = this.need(record.id)
        const set = this.members.get(record.id)!
        for (const photoId of record.photos) {
          if (set.has(photoId)) throw new InconsistentRecordError(`photo ${photoId} added twice to an album`)
          set.set(photoId, record.at)
          let albums = this.photoAlbums.get(photoId)
          if (!albums) this.photoAlbums.set(photoId, (albums = new Set()))
          albums.add(record.id)
          this.memberships++
        }
        this.albums.set(record.id, { ...album, updatedAt: record.at })
        return
      }
      case 'remove': {
        const album = this.need(record.id)
        const set = this.members.get(record.id)!
        for (const photoId of record.photos) {
          if (!set.has(photoId))
            throw new InconsistentRecordError(`photo ${photoId} removed but not a member`)
          this.unlink(record.id, photoId)
        }
        this.albums.set(record.id, { ...album, updatedAt: record.at })
        return
      }
      case 'forget': {
        for (const photoId of record.photos)
          for (const albumId of [...(this.photoAlbums.get(photoId) ?? [])]) this.unlink(albumId, photoId)
        return
      }
      case 'batch': {
        for (const op of record.ops) this.apply(op)
        return
      }
    }
  }

  toSnapshot(seq: number): AlbumSnapshot {
    return {
      format: SNAPSHOT_FORMAT,
      version: 1,
      seq,
      albums: [...this.albums.values()].map((a) => ({
        ...a,
        members: [...this.members.get(a.id)!.entries()],
      })),
    }
  }

  static fromSnapshot(snapshot: AlbumSnapshot): AlbumState {
    const state = new AlbumState()
    for (const a of snapshot.albums) {
      state.apply({ op: 'create', id: a.id, name: a.name, at: a.createdAt })
      const set = state.members.get(a.id)!
      for (const [photoId, addedAt] of a.members) {
        if (set.has(photoId)) throw new InconsistentRecordError(`photo ${photoId} is twice in "${a.name}"`)
        set.set(photoId, addedAt)
        let albums = state.photoAlbums.get(photoId)
        if (!albums) state.photoAlbums.set(photoId, (albums = new Set()))
        albums.add(a.id)
        state.memberships++
      }
      state.albums.set(a.id, { id: a.id, name: a.name, createdAt: a.createdAt, updatedAt: a.updatedAt })
    }
    return state
  }

  private need(id: string): Album {
    const album = this.albums.get(id)
    if (!album) throw new InconsistentRecordError(`album ${id} does not exist`)
    return album
  }

  private unlink(albumId: string, photoId: string): void {
    this.members.get(albumId)!.delete(photoId)
    const albums = this.photoAlbums.get(photoId)!
    albums.delete(albumId)
    if (albums.size === 0) this.photoAlbums.delete(photoId)
    this.memberships--
  }
}
