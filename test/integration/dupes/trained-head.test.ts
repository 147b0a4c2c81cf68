import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import { copyPhotos, MIRROR, seedPhotos, tempDir } from '../support.js'

/**
 * A head trained on albums pulls each album together; duplicates must stay a visual notion: the same
 * groups before and after such a head is accepted (a regression seen in the app: whole albums became
 * "similar shots" and unrelated garments "near-duplicates").
 */
describe('duplicates after a trained head is accepted', () => {
  let engine: Engine
  const sets = (groups: Array<{ kind: string; paths: string[] }>) =>
    groups
      .map(
        (g) =>
          `${g.kind}:${[...g.paths]
            .map((p) => path.basename(p))
            .sort()
            .join(',')}`,
      )
      .sort()

  beforeAll(async () => {
    const dir = await tempDir('dupes-head')
    const photos = path.join(dir, 'photos')
    const files = await copyPhotos(await seedPhotos(8), photos)
    await fs.copyFile(files[0]!, path.join(photos, 'exact-copy.jpg'))
    const meta = await sharp(files[9]!).metadata()
    await sharp(files[9]!)
      .resize(Math.round(meta.width! / 2))
      .jpeg({ quality: 60 })
      .toFile(path.join(photos, 'smaller-copy.jpg'))
    engine = await Engine.open({ libraryDir: path.join(dir, 'lib'), modelMirror: MIRROR })
    await engine.index([photos])
  })

  afterAll(async () => {
    await engine?.close()
  })

  it('finds the same duplicates, similar shots and groups with the trained head as with the library head', async () => {
    const groupSets = async () =>
      (await engine.groups()).groups.map((g) => [...g.photos].sort().join(',')).sort()
    const groupsBefore = await groupSets()
    const before = sets(await engine.duplicates('normal', true))
    expect(before.some((b) => b.startsWith('exact:') && b.includes('exact-copy.jpg'))).toBe(true)
    expect(before.some((b) => b.includes('smaller-copy.jpg'))).toBe(true)

    const albums = await engine.albums()
    const rows = await engine.store.query(`status = 'ok'`, ['id', 'path'])
    for (const cls of new Set(rows.map((r) => path.basename(r.path).split('-')[0]!))) {
      const members = rows.filter((r) => path.basename(r.path).startsWith(`${cls}-`)).map((r) => r.id)
      if (members.length < 4) continue
      await albums.create(cls)
      await albums.add(cls, members)
    }
    const report = await engine.train({ accept: true, seed: 1 })
    expect(report.accepted).toBe(true)
    expect((await engine.heads.current())?.kind).toBe('arcface')

    const after = sets(await engine.duplicates('normal', true))
    expect(after).toEqual(before)
    expect(await groupSets()).toEqual(groupsBefore)
  })
})
