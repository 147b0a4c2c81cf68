import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AlbumError } from '../../../src/engine/albums/album-error.js'
import { AlbumStore } from '../../../src/engine/albums/album-store.js'
import { LibraryBusyError, lockRecordFor } from '../../../src/engine/library/lock.js'

let dbDir: string
let store: AlbumStore
let clock: number
const now = () => clock

beforeEach(async () => {
  dbDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-albums-')), 'db')
  clock = 1_000
  store = await AlbumStore.open(dbDir, { now })
})
afterEach(async () => {
  await store.close()
  await fs.rm(path.dirname(dbDir), { recursive: true, force: true })
})

const albumsDir = () => path.join(dbDir, 'albums')
const journalFile = () => path.join(albumsDir(), 'journal.jsonl')

async function reopen(options: Parameters<typeof AlbumStore.open>[1] = {}): Promise<AlbumStore> {
  await store.close()
  store = await AlbumStore.open(dbDir, { now, ...options })
  return store
}

/** Everything observable, to compare two opens of the same albums. */
async function contents(s: AlbumStore) {
  return { list: await s.list(), contents: await s.contents(), memberships: await s.memberships() }
}

async function rejection(p: Promise<unknown>): Promise<AlbumError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AlbumError)
  return error as AlbumError
}

describe('creating, renaming, deleting', () => {
  it('creates albums and lists them by name with counts and times', async () => {
    const a = await store.create('  Holidays ')
    clock = 2_000
    await store.create('Album 10')
    await store.create('Album 2')
    expect(a).toEqual({ id: expect.any(String), name: 'Holidays', createdAt: 1_000, updatedAt: 1_000 })
    const list = await store.list()
    expect(list.map((x) => x.name)).toEqual(['Album 2', 'Album 10', 'Holidays'])
    expect(list[2]).toEqual({ ...a, count: 0 })
    expect(await store.get('holidays')).toEqual({ ...a, count: 0 })
    expect(await store.get(a.id)).toEqual({ ...a, count: 0 })
  })

  it('keeps names unique case-insensitively, with clear messages', async () => {
    await store.create('Holidays')
    const dup = await rejection(store.create('HOLIDAYS'))
    expect(dup.message).toBe('An album named "Holidays" already exists.')
    expect(dup.code).toBe('duplicate-name')
    await store.create('Family')
    expect((await rejection(store.rename('family', ' holidays'))).message).toBe(
      'An album named "Holidays" already exists.',
    )
    expect((await rejection(store.create(''))).code).toBe('invalid-name')
    expect((await store.list()).map((a) => a.name)).toEqual(['Family', 'Holidays'])
  })

  it('says when an album does not exist', async () => {
    for (const attempt of [
      store.rename('X', 'Y'),
      store.delete('X'),
      store.add('X', ['p']),
      store.remove('X', ['p']),
      store.members('X'),
      store.get(' X '),
    ]) {
      const error = await rejection(attempt)
      expect(error.message).toBe('There is no album named "X".')
      expect(error.code).toBe('not-found')
    }
  })

  it('renames, including a change of case only, and keeps the members', async () => {
    const a = await store.create('holidays')
    await store.add(a.id, ['p1'])
    clock = 5_000
    expect(await store.rename('HOLIDAYS', 'Holidays')).toEqual({ ...a, name: 'Holidays', updatedAt: 5_000 })
    clock = 6_000
    await store.rename('holidays', 'Summer 2024')
    expect(await store.members('summer 2024')).toEqual(['p1'])
    expect((await rejection(store.get('Holidays'))).code).toBe('not-found')
    // Renaming to the same name changes nothing, not even updatedAt.
    clock = 7_000
    expect((await store.rename('Summer 2024', 'Summer 2024')).updatedAt).toBe(6_000)
  })

  it('deletes an album and its memberships, never the other albums', async () => {
    await store.create('A')
    await store.create('B')
    await store.add('A', ['p1', 'p2'])
    await store.add('B', ['p2'])
    expect(await store.delete('a')).toEqual({ removedMemberships: 2 })
    expect(await store.albumsOf('p1')).toEqual([])
    expect(await store.albumsOf('p2')).toEqual([(await store.get('B')).id])
    expect(await store.memberships()).toHaveLength(1)
    // The name is free again.
    expect((await store.create('A')).name).toBe('A')
    expect(await store.members('A')).toEqual([])
  })
})

describe('photos in albums', () => {
  it('adds idempotently: twice is once', async () => {
    await store.create('A')
    expect(await store.add('A', ['p1', 'p2', 'p1'])).toEqual({ added: 2, already: 0 })
    clock = 9_000
    expect(await store.add('A', ['p2', 'p1'])).toEqual({ added: 0, already: 2 })
    expect(await store.add('A', ['p3', 'p2'])).toEqual({ added: 1, already: 1 })
    expect(await store.members('A')).toEqual(['p1', 'p2', 'p3'])
    expect(await store.add('A', [])).toEqual({ added: 0, already: 0 })
    const list = await store.list()
    expect(list[0]).toMatchObject({ count: 3, updatedAt: 9_000 })
  })

  it('is many-to-many: a photo in several albums, an album with several photos', async () => {
    const a = await store.create('Beach')
    const b = await store.create('Alps')
    const c = await store.create('Best of')
    await store.add('Beach', ['p1', 'p2'])
    await store.add('Alps', ['p3', 'p1'])
    await store.add('Best of', ['p1'])
    expect(await store.albumsOf('p1')).toEqual([b.id, a.id, c.id]) // by album name
    expect(await store.albumsOf('nobody')).toEqual([])
    expect(await store.members('Alps')).toEqual(['p3', 'p1'])
    const pairs = (await store.memberships()).map((m) => `${m.albumId}:${m.photoId}`).sort()
    expect(pairs).toEqual([`${a.id}:p1`, `${a.id}:p2`, `${b.id}:p3`, `${b.id}:p1`, `${c.id}:p1`].sort())
    expect(await store.counts()).toEqual({ albums: 3, memberships: 5 })
  })

  it('removes photos, ignoring those that were not in the album', async () => {
    await store.create('A')
    await store.add('A', ['p1', 'p2'])
    expect(await store.remove('A', ['p1', 'p9', 'p1'])).toEqual({ removed: 1 })
    expect(await store.remove('A', ['p9'])).toEqual({ removed: 0 })
    expect(await store.members('A')).toEqual(['p2'])
  })

  it('forgets photos that left the library, in every album, without touching updatedAt', async () => {
    await store.create('A')
    await store.create('B')
    await store.add('A', ['p1', 'p2'])
    await store.add('B', ['p1'])
    clock = 50_000
    await store.forgetPhotos(['p1', 'unknown'])
    expect(await store.members('A')).toEqual(['p2'])
    expect(await store.members('B')).toEqual([])
    expect((await store.list()).map((a) => a.updatedAt)).toEqual([1_000, 1_000])
  })

  it('refuses photo ids that are not non-empty strings, changing nothing', async () => {
    await store.create('A')
    const error = await rejection(store.add('A', ['p1', '']))
    expect(error.code).toBe('invalid-photo-id')
    expect(await store.members('A')).toEqual([])
  })

  it('merges several albums in one change, by name, creating the missing ones', async () => {
    await store.create('Holidays')
    await store.add('Holidays', ['p1'])
    const result = await store.merge([
      { name: 'holidays', photoIds: ['p1', 'p2'] },
      { name: 'New', photoIds: ['p3'] },
      { name: 'NEW', photoIds: ['p3', 'p4'] },
    ])
    expect(result).toEqual({ albums: 2, created: 1, added: 3, already: 2 })
    expect(await store.members('Holidays')).toEqual(['p1', 'p2'])
    expect(await store.members('new')).toEqual(['p3', 'p4'])
    expect((await store.get('new')).name).toBe('New')
    // One bad name and nothing happens.
    await rejection(
      store.merge([
        { name: 'Other', photoIds: ['p5'] },
        { name: ' ', photoIds: [] },
      ]),
    )
    expect((await store.list()).map((a) => a.name)).toEqual(['Holidays', 'New'])
  })

  it('runs concurrent changes one at a time; a failing one does not stop the others', async () => {
    await store.create('A')
    const results = await Promise.allSettled([
      ...Array.from({ length: 50 }, (_, i) => store.add('A', [`p${i}`])),
      store.create('a'),
      ...Array.from({ length: 50 }, (_, i) => store.add('A', [`p${i}`, `q${i}`])),
    ])
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1)
    expect(await store.members('A')).toHaveLength(100)
    await reopen()
    expect(await store.members('A')).toHaveLength(100)
  })
})

describe('on disk', () => {
  it('keeps everything across close and open, with and without snapshots', async () => {
    for (let i = 0; i < 30; i++) {
      clock += 10
      await store.create(`Album ${i}`)
      await store.add(`Album ${i}`, [`p${i}`, `p${i + 1}`, 'shared'])
    }
    await store.rename('Album 3', 'Renamed')
    await store.delete('Album 4')
    await store.remove('Album 5', ['shared'])
    const before = await contents(store)
    await reopen()
    expect(await contents(store)).toEqual(before)
    // Folded into a snapshot (the journal emptied), then one more change in the journal: the same albums.
    await reopen({ compactAfterBytes: 1 })
    await store.add('Album 6', ['late'])
    expect((await fs.readFile(journalFile())).length).toBe(0)
    await store.add('Album 7', ['late'])
    expect((await fs.readFile(journalFile())).length).toBeGreaterThan(0)
    const withLate = await contents(store)
    await reopen()
    expect(await contents(store)).toEqual(withLate)
  })

  it('lets a reader open beside the writer, and refuses its changes', async () => {
    await store.create('A')
    const reader = await AlbumStore.open(dbDir, { readOnly: true })
    try {
      expect((await reader.list()).map((a) => a.name)).toEqual(['A'])
      const error = await rejection(reader.create('B'))
      expect(error).toMatchObject({ code: 'read-only', message: 'The albums are open read-only.' })
      expect((await rejection(reader.add('A', []))).code).toBe('read-only')
    } finally {
      await reader.close()
    }
  })

  it('allows one writer: another live process holding the lock is reported', async () => {
    await store.close()
    // A record naming a live process (the test's parent) as it is: pid, host, boot and start time.
    await fs.writeFile(path.join(albumsDir(), 'writer.lock'), JSON.stringify(lockRecordFor(process.ppid)))
    await expect(AlbumStore.open(dbDir)).rejects.toBeInstanceOf(LibraryBusyError)
    await fs.rm(path.join(albumsDir(), 'writer.lock'))
    store = await AlbumStore.open(dbDir)
  })

  it('finishes the changes asked for before close', async () => {
    await store.create('A')
    const pending = [store.add('A', ['p1']), store.add('A', ['p2']), store.rename('A', 'B')]
    await store.close()
    await Promise.all(pending)
    store = await AlbumStore.open(dbDir)
    expect(await store.members('B')).toEqual(['p1', 'p2'])
  })

  it('refuses to mix the records of two writers of one library in one process', async () => {
    await store.create('A')
    const second = await AlbumStore.open(dbDir) // the pid lock cannot tell two opens of one process apart
    try {
      await second.add('A', ['from-second'])
      const error = await rejection(store.add('A', ['from-first']))
      expect(error.code).toBe('write-failed')
      expect(error.message).toMatch(/changed by another writer/)
      expect((await rejection(store.create('B'))).code).toBe('write-failed')
    } finally {
      await second.close()
    }
    await reopen()
    expect(await store.members('A')).toEqual(['from-second'])
  })

  it('refuses everything once closed', async () => {
    await store.close()
    expect((await rejection(store.list())).message).toBe('The album store is closed.')
    expect((await rejection(store.create('A'))).code).toBe('closed')
    store = await AlbumStore.open(dbDir)
  })

  it('cuts a record torn by a crash and keeps working', async () => {
    await store.create('A')
    await store.add('A', ['p1'])
    const before = await contents(store)
    await store.close()
    const good = await fs.readFile(journalFile())
    await fs.appendFile(journalFile(), '{"seq":3,"op":"add","id":"x","photos":["p2","p')
    store = await AlbumStore.open(dbDir, { now })
    expect(await contents(store)).toEqual(before)
    expect(await fs.readFile(journalFile())).toEqual(good)
    await store.add('A', ['p2'])
    await reopen()
    expect(await store.members('A')).toEqual(['p1', 'p2'])
  })

  it('skips records a snapshot already has (a crash between the snapshot and emptying the journal)', async () => {
    await store.create('A')
    await store.add('A', ['p1'])
    await store.remove('A', ['p1'])
    const journal = await fs.readFile(journalFile())
    await reopen({ compactAfterBytes: 1 })
    await store.add('A', ['p2']) // folds everything into the snapshot and empties the journal
    expect((await fs.readFile(journalFile())).length).toBe(0)
    const expected = await contents(store)
    await store.close()
    await fs.writeFile(journalFile(), journal) // as if the crash came before the journal was emptied
    await fs.writeFile(path.join(albumsDir(), 'albums.json.123.abcd.tmp'), '{"half": ')
    const reader = await AlbumStore.open(dbDir, { readOnly: true })
    expect(await contents(reader)).toEqual(expected)
    await reader.close()
    store = await AlbumStore.open(dbDir, { now })
    expect(await contents(store)).toEqual(expected)
    expect(await fs.readdir(albumsDir())).not.toContain('albums.json.123.abcd.tmp')
    await store.add('A', ['p3'])
    await reopen()
    expect(await store.members('A')).toEqual(['p2', 'p3'])
  })

  it('refuses to open damaged files with a message naming the file and the line', async () => {
    await store.create('A')
    await store.add('A', ['p1'])
    await store.close()
    const lines = (await fs.readFile(journalFile(), 'utf8')).split('\n')
    await fs.writeFile(journalFile(), [lines[0], 'garbage', lines[1], ''].join('\n'))
    const error = await rejection(AlbumStore.open(dbDir))
    expect(error.code).toBe('damaged')
    expect(error.message).toContain(journalFile())
    expect(error.message).toContain('line 2 is not valid JSON')
    // A record that contradicts the ones before it (a duplicate membership) is damage too.
    await fs.writeFile(
      journalFile(),
      [lines[0], lines[1], lines[1]!.replace('"seq":2', '"seq":3'), ''].join('\n'),
    )
    expect((await rejection(AlbumStore.open(dbDir))).message).toMatch(/line 3: photo p1 added twice/)
    // The file is left as it was, for a person to look at.
    expect((await fs.readFile(journalFile(), 'utf8')).split('\n')).toHaveLength(4)
    await fs.writeFile(journalFile(), lines.join('\n'))
    store = await AlbumStore.open(dbDir)
  })
})
