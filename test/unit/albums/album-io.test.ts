import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AlbumError } from '../../../src/engine/albums/album-error.js'
import { AlbumStore } from '../../../src/engine/albums/album-store.js'
import {
  exportAlbums,
  importAlbums,
  type ExportedMember,
  type PhotoLookup,
} from '../../../src/engine/albums/album-io.js'

let dir: string
let store: AlbumStore

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-albums-io-'))
  store = await AlbumStore.open(path.join(dir, 'db'))
})
afterEach(async () => {
  await store.close()
  await fs.rm(dir, { recursive: true, force: true })
})

/** A library of photos p0..p9 at /photos/pN.jpg with content hash hN. */
const lookup: PhotoLookup = async (ids) =>
  new Map(
    ids.filter((id) => /^p\d$/.test(id)).map((id) => [id, { path: `/photos/${id}.jpg`, hash: `h${id}` }]),
  )

async function seed(s: AlbumStore): Promise<void> {
  await s.create('Holidays')
  await s.create('Family')
  await s.add('Holidays', ['p1', 'p2', 'p3'])
  await s.add('Family', ['p3', 'gone'])
}

async function summary(s: AlbumStore) {
  return (await s.contents()).map((a) => ({ name: a.name, members: a.members }))
}

describe('export', () => {
  it('writes a versioned file with every album and its members as id, path and hash', async () => {
    await seed(store)
    const file = path.join(dir, 'out', 'albums.json')
    const report = await exportAlbums(store, lookup, file)
    expect(report).toEqual({ file, albums: 2, members: 5, missing: 1 })
    const doc = JSON.parse(await fs.readFile(file, 'utf8'))
    expect(doc).toMatchObject({ format: 'tessera-albums', version: 1, exportedAt: expect.any(String) })
    expect(doc.albums).toEqual([
      {
        name: 'Family',
        members: [
          { id: 'p3', path: '/photos/p3.jpg', hash: 'hp3' },
          { id: 'gone', path: null, hash: null }, // kept: the label is not lost because the file is
        ],
      },
      {
        name: 'Holidays',
        members: ['p1', 'p2', 'p3'].map((id) => ({ id, path: `/photos/${id}.jpg`, hash: `h${id}` })),
      },
    ])
    expect((await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})

describe('import', () => {
  it('round-trips into a fresh store', async () => {
    await seed(store)
    const file = path.join(dir, 'albums.json')
    await exportAlbums(store, lookup, file)
    const fresh = await AlbumStore.open(path.join(dir, 'db2'))
    try {
      const report = await importAlbums(fresh, file, async (m) => m.id)
      expect(report).toEqual({ albums: 2, created: 2, added: 5, already: 0, unmatched: [] })
      expect(await summary(fresh)).toEqual(await summary(store))
    } finally {
      await fresh.close()
    }
  })

  it('matches by hash when ids differ, merges into albums of the same name, reports the unmatched', async () => {
    await seed(store)
    const file = path.join(dir, 'albums.json')
    await exportAlbums(store, lookup, file)
    const other = await AlbumStore.open(path.join(dir, 'db2'))
    try {
      await other.create('HOLIDAYS')
      await other.add('HOLIDAYS', ['new-p1'])
      // In the other library the same photos have other ids: "new-" + old id, found by content hash.
      const seen: ExportedMember[] = []
      const resolve = async (m: ExportedMember) => {
        seen.push(m)
        return m.hash ? `new-${m.hash.slice(1)}` : null
      }
      const report = await importAlbums(other, file, resolve)
      expect(report).toEqual({
        albums: 2,
        created: 1,
        added: 3,
        already: 1,
        unmatched: [{ album: 'Family', id: 'gone', path: null }],
      })
      expect(await other.members('holidays')).toEqual(['new-p1', 'new-p2', 'new-p3'])
      expect(await other.members('Family')).toEqual(['new-p3'])
      expect((await other.get('holidays')).name).toBe('HOLIDAYS')
      // p3 is in two albums but is resolved once.
      expect(seen.filter((m) => m.id === 'p3')).toHaveLength(1)
      // Importing again changes nothing.
      expect(await importAlbums(other, file, resolve)).toMatchObject({ created: 0, added: 0, already: 4 })
    } finally {
      await other.close()
    }
  })

  const malformed: Array<[string, string, RegExp]> = [
    ['not JSON', '{"format": "tessera-albums", ', /is not valid JSON/],
    [
      'another format',
      JSON.stringify({ albums: [] }),
      /not a Tessera albums export \(it lacks "format": "tessera-albums"\)/,
    ],
    [
      'a newer version',
      JSON.stringify({ format: 'tessera-albums', version: 2, albums: [] }),
      /newer Tessera \(format version 2\)/,
    ],
    [
      'a wrong type deep inside',
      JSON.stringify({
        format: 'tessera-albums',
        version: 1,
        albums: [{ name: 'A', members: [{ id: 'p1' }, { id: 'p2', path: 7 }] }],
      }),
      /expected string, received number at albums\[0\]\.members\[1\]\.path\./,
    ],
    [
      'a member with nothing to match',
      JSON.stringify({
        format: 'tessera-albums',
        version: 1,
        albums: [{ name: 'A', members: [{ id: null }] }],
      }),
      /a member needs an id, a path or a hash at albums\[0\]\.members\[0\]/,
    ],
    ['no albums list', JSON.stringify({ format: 'tessera-albums', version: 1 }), /at albums\./],
    [
      'an invalid album name',
      JSON.stringify({
        format: 'tessera-albums',
        version: 1,
        albums: [
          { name: 'Fine', members: [{ id: 'p1' }] },
          { name: '   ', members: [] },
        ],
      }),
      /album 2 \(" {3}"\): An album name cannot be empty\./,
    ],
  ]

  it.each(malformed)(
    'refuses a file with %s, saying what is wrong and changing nothing',
    async (_what, text, message) => {
      await seed(store)
      const before = await summary(store)
      const journal = await fs.readFile(path.join(dir, 'db', 'albums', 'journal.jsonl'))
      const file = path.join(dir, 'bad.json')
      await fs.writeFile(file, text)
      const error = await importAlbums(store, file, async (m) => m.id ?? null).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AlbumError)
      expect((error as AlbumError).code).toBe('invalid-file')
      expect((error as AlbumError).message).toMatch(message)
      expect((error as AlbumError).message).toMatch(/^Cannot import ".*bad\.json": .* Nothing was changed\.$/)
      expect(await summary(store)).toEqual(before)
      expect(await fs.readFile(path.join(dir, 'db', 'albums', 'journal.jsonl'))).toEqual(journal)
    },
  )

  it('says when the file does not exist', async () => {
    await expect(importAlbums(store, path.join(dir, 'nope.json'), async () => null)).rejects.toThrow(
      /nope\.json": there is no such file\. Nothing was changed\./,
    )
  })

  it('changes nothing when resolving a member fails', async () => {
    await seed(store)
    const file = path.join(dir, 'albums.json')
    await exportAlbums(store, lookup, file)
    const fresh = await AlbumStore.open(path.join(dir, 'db2'))
    try {
      let calls = 0
      const failing = async (m: ExportedMember) => {
        if (++calls === 4) throw new Error('photos table unavailable')
        return m.id
      }
      await expect(importAlbums(fresh, file, failing)).rejects.toThrow('photos table unavailable')
      expect(await fresh.list()).toEqual([])
    } finally {
      await fresh.close()
    }
  })
})
