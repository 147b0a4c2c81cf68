import fs from 'node:fs/promises'
import path from 'node:path'
import * as lancedb from '@lancedb/lancedb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AlbumStore } from '../../../src/engine/albums/album-store.js'
import { exportAlbums, importAlbums } from '../../../src/engine/albums/album-io.js'
import { photoLookup, photoMatcher } from '../../../src/engine/albums/photo-matching.js'
import { blankPhotoRow, PhotoStore, type PhotoRow } from '../../../src/engine/store/photo-store.js'
import { tempDir } from '../support.js'

function photo(id: string, file: string, hash: string | null): PhotoRow {
  return {
    ...blankPhotoRow({ id, path: file, root: '/lib', size: 1000, mtimeMs: 0 }),
    hash,
    status: hash ? 'ok' : 'failed',
    format: 'jpeg',
    width: 10,
    height: 10,
    indexedAt: 0,
  }
}

let work: string
beforeAll(async () => {
  work = await tempDir('albums-library')
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

describe('albums beside the photos table', () => {
  it('live in the same db folder, keep photos through moves, and export/import between libraries', async () => {
    // Library A: five photos, two albums.
    const dbA = path.join(work, 'a', 'db')
    const photosA = await PhotoStore.open(dbA)
    await photosA.upsert([1, 2, 3, 4, 5].map((i) => photo(`a${i}`, `/lib/x${i}.jpg`, `H${i}`)))
    let albumsA = await AlbumStore.open(dbA)
    await albumsA.create('Trips')
    await albumsA.create('Cats')
    await albumsA.add('Trips', ['a1', 'a2', 'a3'])
    await albumsA.add('Cats', ['a3', 'a4', 'a5'])
    // The album files are not a LanceDB table and do not disturb the database.
    expect(await (await lancedb.connect(dbA)).tableNames()).toEqual(['photos'])

    // A photo is moved and renamed: the indexer keeps its id, so its albums are kept.
    await photosA.patch([{ id: 'a1', path: '/lib/moved/renamed.jpg' }])
    await albumsA.close()
    albumsA = await AlbumStore.open(dbA)
    expect(await albumsA.members('Trips')).toEqual(['a1', 'a2', 'a3'])

    const file = path.join(work, 'albums.json')
    expect(await exportAlbums(albumsA, photoLookup(photosA), file)).toMatchObject({
      albums: 2,
      members: 6,
      missing: 0,
    })
    const doc = JSON.parse(await fs.readFile(file, 'utf8'))
    expect(doc.albums[1].members[0]).toEqual({ id: 'a1', path: '/lib/moved/renamed.jpg', hash: 'H1' })

    // Importing into the same library finds every photo by id: nothing new.
    expect(await importAlbums(albumsA, file, await photoMatcher(photosA))).toMatchObject({
      created: 0,
      added: 0,
      already: 6,
      unmatched: [],
    })

    // Library B: other ids; x4 is not there; x5 was edited (other hash, same path).
    const dbB = path.join(work, 'b', 'db')
    const photosB = await PhotoStore.open(dbB)
    await photosB.upsert([
      photo('b1', '/elsewhere/1.jpg', 'H1'),
      photo('b2', '/elsewhere/2.jpg', 'H2'),
      photo('b3', '/elsewhere/3.jpg', 'H3'),
      photo('b3-copy', '/elsewhere/zz-copy-of-3.jpg', 'H3'), // the first path of one content wins
      photo('b5', '/lib/x5.jpg', 'H5-edited'),
    ])
    const albumsB = await AlbumStore.open(dbB)
    const report = await importAlbums(albumsB, file, await photoMatcher(photosB))
    expect(report).toEqual({
      albums: 2,
      created: 2,
      added: 5,
      already: 0,
      unmatched: [{ album: 'Cats', id: 'a4', path: '/lib/x4.jpg' }],
    })
    expect(await albumsB.members('Trips')).toEqual(['b1', 'b2', 'b3'])
    expect(await albumsB.members('Cats')).toEqual(['b3', 'b5'])

    // Photos leaving a library leave its albums.
    await photosA.deleteIds(['a3'])
    await albumsA.forgetPhotos(['a3'])
    expect(await albumsA.members('Trips')).toEqual(['a1', 'a2'])
    expect(await albumsA.albumsOf('a3')).toEqual([])

    for (const s of [albumsA, albumsB]) await s.close()
    photosA.close()
    photosB.close()
    const again = await AlbumStore.open(dbB)
    expect((await again.list()).map((a) => [a.name, a.count])).toEqual([
      ['Cats', 2],
      ['Trips', 3],
    ])
    await again.close()
  })
})
