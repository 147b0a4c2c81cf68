import { describe, expect, it } from 'vitest'
import {
  AlbumState,
  InconsistentRecordError,
  type AlbumRecord,
} from '../../../src/engine/albums/album-state.js'

const records: AlbumRecord[] = [
  { op: 'create', id: 'a', name: 'Holidays', at: 1 },
  { op: 'create', id: 'b', name: 'Family', at: 2 },
  { op: 'add', id: 'a', photos: ['p1', 'p2', 'p3'], at: 3 },
  { op: 'add', id: 'b', photos: ['p2'], at: 4 },
  { op: 'remove', id: 'a', photos: ['p1'], at: 5 },
  { op: 'rename', id: 'b', name: 'Family & friends', at: 6 },
  { op: 'forget', photos: ['p3'], at: 7 },
]

describe('album state', () => {
  it('replays records into albums, members and the reverse index', () => {
    const state = new AlbumState()
    for (const r of records) state.apply(r)
    expect([...state.members.get('a')!.keys()]).toEqual(['p2'])
    expect([...state.photoAlbums.get('p2')!]).toEqual(['a', 'b'])
    expect(state.photoAlbums.has('p3')).toBe(false)
    expect(state.byName('FAMILY & FRIENDS')?.id).toBe('b')
    expect(state.byName('Family')).toBeUndefined()
    expect(state.albums.get('b')).toEqual({ id: 'b', name: 'Family & friends', createdAt: 2, updatedAt: 6 })
    // Photos leaving the library are not a change the user made.
    expect(state.albums.get('a')!.updatedAt).toBe(5)
    expect(state.membershipCount).toBe(2)
  })

  it('round-trips through a snapshot', () => {
    const state = new AlbumState()
    for (const r of records) state.apply(r)
    const again = AlbumState.fromSnapshot(JSON.parse(JSON.stringify(state.toSnapshot(7))))
    expect(again.toSnapshot(7)).toEqual(state.toSnapshot(7))
    expect(again.membershipCount).toBe(2)
    expect([...again.photoAlbums.get('p2')!]).toEqual(['a', 'b'])
  })

  it('rejects records that do not fit (a damaged journal), never applying them silently', () => {
    const state = new AlbumState()
    state.apply({ op: 'create', id: 'a', name: 'Holidays', at: 1 })
    state.apply({ op: 'add', id: 'a', photos: ['p1'], at: 1 })
    const bad: AlbumRecord[] = [
      { op: 'create', id: 'x', name: 'holidays', at: 2 },
      { op: 'create', id: 'a', name: 'Other', at: 2 },
      { op: 'add', id: 'a', photos: ['p1'], at: 2 },
      { op: 'remove', id: 'a', photos: ['p9'], at: 2 },
      { op: 'delete', id: 'nope', at: 2 },
    ]
    for (const r of bad) expect(() => state.apply(r)).toThrow(InconsistentRecordError)
  })

  it('a delete drops the memberships with the album', () => {
    const state = new AlbumState()
    for (const r of records) state.apply(r)
    state.apply({ op: 'delete', id: 'b', at: 8 })
    expect(state.photoAlbums.get('p2')).toEqual(new Set(['a']))
    expect(state.byName('Family & friends')).toBeUndefined()
    expect(state.membershipCount).toBe(1)
  })
})
