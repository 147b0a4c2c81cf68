import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FAKE_MODEL, fakeWorld, photoSet, type FakeWorld } from './fakes.js'

let world: FakeWorld
afterEach(async () => {
  await world?.cleanup()
})

describe('library service (fake decoder, extractor and matmul; real store in a temp folder)', () => {
  it('indexes a folder: every photo decoded, embedded and projected by a fitted PCA head', async () => {
    world = await fakeWorld()
    await world.write(photoSet(['red', 'blue', 'green'], 4))
    const engine = await world.open()
    const summary = await engine.index([world.photosDir])
    expect(summary.indexed).toBe(12)
    expect(summary.failed).toEqual([])
    expect(summary.model).toBe('mobilenetv2-12-int8')
    expect(summary.provider).toBe('cpu')
    // The head is named by the injected clock, not the system's.
    expect(summary.head).toBe(`pca-2026-01-02T03-04-05-000Z-12`)
    expect(world.decoder.decoded).toHaveLength(12)
    const status = await engine.status()
    expect(status).toMatchObject({ photos: 12, embedded: 12, pending: 0, failed: 0, trashed: 0 })
    expect(status.roots).toEqual([world.photosDir])
    expect(status.lastProvider?.at).toBe('2026-01-02T03:04:05.000Z')
    const row = await engine.photoByPath(path.join(world.photosDir, 'red-1.jpg'))
    expect(row?.featureModel).toBe(FAKE_MODEL)
    expect(row?.embedding).toHaveLength(64)
  })

  it('finds the photos under a folder given instead of a photo, each once (albums add DIR)', async () => {
    world = await fakeWorld()
    await world.write(photoSet(['red'], 2), 'trip')
    await world.write(photoSet(['blue'], 1), path.join('trip', 'day 2'))
    await world.write(photoSet(['green'], 1), 'home')
    await world.write(photoSet(['grey'], 1), 'trip 2')
    const engine = await world.open()
    await engine.index([world.photosDir])
    const trip = path.join(world.photosDir, 'trip')
    const idOf = async (rel: string) => (await engine.photoByPath(path.join(world.photosDir, rel)))!.id
    const missing = path.join(world.photosDir, 'no such folder')
    const r = await engine.photoIds([path.join(trip, 'red-2.jpg'), `${trip}${path.sep}`, missing])
    // The named photo first, then the folder's others in path order; 'trip 2' is another folder.
    expect(r.ids).toEqual([
      await idOf('trip/red-2.jpg'),
      await idOf('trip/day 2/blue-1.jpg'),
      await idOf('trip/red-1.jpg'),
    ])
    expect(r.unknown).toEqual([missing])
  })

  it('measures a run with the injected clock', async () => {
    world = await fakeWorld()
    await world.write(photoSet(['red'], 2))
    const engine = await world.open()
    const { clock } = world
    const decode = world.decoder.decode
    world.decoder.decode = async (file, opts) => {
      clock.advance(1500)
      return decode(file, opts)
    }
    expect((await engine.index([world.photosDir])).seconds).toBe(3)
  })

  it('rescans without decoding anything when nothing changed, and sees only the changed file', async () => {
    world = await fakeWorld()
    const [first] = await world.write(photoSet(['red', 'blue'], 3))
    const engine = await world.open()
    await engine.index([world.photosDir])
    world.decoder.decoded.length = 0
    const again = await engine.index()
    expect(again.indexed).toBe(0)
    expect(again.unchanged).toBe(6)
    expect(world.decoder.decoded).toEqual([])
    await fs.writeFile(first!, 'red 99 changed')
    await fs.utimes(first!, new Date(), new Date(Date.now() + 5000))
    const synced = await engine.syncPaths([first!])
    expect(synced.indexed).toBe(1)
    expect(world.decoder.decoded).toEqual([path.basename(first!)])
  })

  it('reports files that fail to decode as problems, with the decoder reason', async () => {
    world = await fakeWorld()
    await world.write({ ...photoSet(['red'], 3), 'bad.jpg': 'broken bytes' })
    const engine = await world.open()
    const summary = await engine.index([world.photosDir])
    expect(summary.indexed).toBe(3)
    expect(summary.failed.map((f) => path.basename(f.path))).toEqual(['bad.jpg'])
    expect(await engine.problems()).toEqual([
      { path: path.join(world.photosDir, 'bad.jpg'), code: 'corrupt', reason: 'The file is damaged.' },
    ])
  })

  it('keeps photos pending, with the reason, when the extractor cannot be had', async () => {
    world = await fakeWorld({ pack: false, extractor: () => ({ ok: false, reason: 'offline: no mirror' }) })
    await world.write(photoSet(['red'], 2))
    const engine = await world.open()
    const summary = await engine.index([world.photosDir])
    expect(summary.pendingReason).toBe('offline: no mirror')
    expect(summary.provider).toBeNull()
    expect(await engine.status()).toMatchObject({ photos: 2, embedded: 0, pending: 2 })
  })

  it('roots: a covered folder is not added twice, a wider one replaces its parts, removing forgets photos', async () => {
    world = await fakeWorld()
    await world.write(photoSet(['red'], 2), 'a')
    await world.write(photoSet(['blue'], 2), 'b')
    const engine = await world.open()
    const a = path.join(world.photosDir, 'a')
    expect(await engine.addRoots([a])).toEqual([a])
    expect(await engine.addRoots([path.join(a, '.')])).toEqual([])
    await engine.index()
    expect((await engine.status()).photos).toBe(2)
    await expect(engine.addRoots([path.join(world.libraryDir, 'db')])).rejects.toThrow(/library's own data/)
    expect(await engine.addRoots([world.photosDir])).toEqual([world.photosDir])
    expect(engine.settings.roots).toEqual([world.photosDir])
    await engine.index()
    expect((await engine.status()).photos).toBe(4)
    await expect(engine.removeRoots([a])).rejects.toThrow(/not a watched folder/)
    expect(await engine.removeRoots([world.photosDir])).toBe(4)
    expect(await engine.status()).toMatchObject({ photos: 0, roots: [] })
    // The files themselves are untouched.
    expect((await fs.readdir(a)).sort()).toEqual(['red-1.jpg', 'red-2.jpg'])
  })

  it('maps paths to photo ids, returning the others apart', async () => {
    world = await fakeWorld()
    const [p1, p2] = await world.write(photoSet(['red'], 2))
    const engine = await world.open()
    await engine.index([world.photosDir])
    const { ids, unknown } = await engine.photoIds([p1!, '/nowhere.jpg', p2!])
    expect(ids).toHaveLength(2)
    expect(new Set(ids).size).toBe(2)
    expect(unknown).toEqual(['/nowhere.jpg'])
  })
})
