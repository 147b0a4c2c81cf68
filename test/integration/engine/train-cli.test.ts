import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PhotoStore } from '../../../src/engine/store/photo-store.js'
import { cachedLibrary } from '../cached-library.js'
import { runCli, SEED, tempDir } from '../support.js'

let work: string
let library: string
const CLASSES = ['Dog', 'Food', 'Garment', 'Location', 'Vehicle']
const photosOf = async (cls: string) =>
  (await fs.readdir(path.join(SEED, cls))).sort().map((f) => path.join(SEED, cls, f))

beforeAll(async () => {
  work = await tempDir('train-cli')
  // seed-5class as `tessera index SEED --library L -q` leaves it, indexed once for the test run.
  library = await cachedLibrary('seed-5class', path.join(work, 'library'))
  // Label half of each class; the rest is what suggestions should find.
  for (const cls of CLASSES) {
    expect((await runCli(['albums', 'create', cls, '--library', library])).code).toBe(0)
    const half = (await photosOf(cls)).filter((_, i) => i % 2 === 0)
    expect((await runCli(['albums', 'add', cls, ...half, '--library', library])).code).toBe(0)
  }
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

async function headsCarried(): Promise<Set<string | null>> {
  const store = await PhotoStore.open(path.join(library, 'db'))
  try {
    return new Set((await store.indexState()).map((r) => r.headVersion))
  } finally {
    store.close()
  }
}

describe('albums, training and suggestions from the CLI', () => {
  it('lists albums and refuses unknown photos and duplicate names clearly', async () => {
    const list = JSON.parse((await runCli(['albums', 'list', '--library', library, '--json'])).stdout)
    expect(list.map((a: { name: string; count: number }) => [a.name, a.count])).toEqual([
      ['Dog', 11],
      ['Food', 10],
      ['Garment', 10],
      ['Location', 12],
      ['Vehicle', 10],
    ])
    const dup = await runCli(['albums', 'create', 'dog', '--library', library])
    expect(dup.code).toBe(2)
    expect(dup.stderr).toMatch(/already exists/)
    const stranger = await runCli([
      'albums',
      'add',
      'Dog',
      path.join(work, 'not-a-photo.jpg'),
      '--library',
      library,
    ])
    expect(stranger.code).toBe(1)
    expect(stranger.stdout).toMatch(/not a photo of this library/)
  })

  it('suggests unlabelled photos of the right class', async () => {
    const res = await runCli(['suggest', 'Vehicle', '-k', '5', '--library', library, '--json'])
    const hits = JSON.parse(res.stdout) as Array<{ path: string }>
    expect(hits).toHaveLength(5)
    const labelled = new Set((await photosOf('Vehicle')).filter((_, i) => i % 2 === 0))
    for (const h of hits) expect(labelled.has(h.path)).toBe(false)
    expect(
      hits.filter((h) => h.path.includes(`${path.sep}Vehicle${path.sep}`)).length,
    ).toBeGreaterThanOrEqual(4) // measured 5 of 5
  })

  it('trains a head, reports held-out mP@5 before and after, and uses it only when accepted', async () => {
    const before = [...(await headsCarried())]
    const dry = JSON.parse((await runCli(['train', '--library', library, '--json', '-q'])).stdout)
    expect(dry).toMatchObject({ accepted: false, albums: 5 })
    // Measured 0.577 → 0.913 here; the assertion only asks that training does not make it worse.
    expect(dry.after['mP@5']).toBeGreaterThanOrEqual(dry.before['mP@5'] - 0.02)
    expect([...(await headsCarried())]).toEqual(before)

    const accepted = JSON.parse(
      (await runCli(['train', '--accept', '--seed', '3', '--library', library, '--json', '-q'])).stdout,
    )
    expect(accepted.accepted).toBe(true)
    expect([...(await headsCarried())]).toEqual([accepted.headVersion])
    const heads = JSON.parse((await runCli(['heads', 'list', '--library', library, '--json'])).stdout)
    expect(heads.find((h: { active: boolean }) => h.active).version).toBe(accepted.headVersion)
    expect(heads.map((h: { version: string }) => h.version)).toContain(dry.headVersion)
  })

  it.each([
    ['in the middle of training', 'train:after-epoch#3'],
    ['after the new head is saved, before the embeddings are rewritten', 'head:before-reproject'],
    ['after the embeddings are rewritten, before the settings', 'head:after-reproject'],
  ])('keeps albums and one complete head through a kill -9 %s', async (_when, point) => {
    const albumsBefore = (await runCli(['albums', 'list', '--library', library, '--json'])).stdout
    const killed = await runCli(['train', '--accept', '--epochs', '10', '--library', library, '-q'], {
      TESSERA_FAILPOINT: point,
    })
    expect(killed.code).toBeNull() // killed by the failpoint, not finished
    expect((await runCli(['albums', 'list', '--library', library, '--json'])).stdout).toBe(albumsBefore)
    const carried = await headsCarried()
    expect(carried.size).toBe(1) // never a mix
    const status = JSON.parse((await runCli(['status', '--library', library, '--json'])).stdout)
    expect(carried).toEqual(new Set([status.head]))
  })

  it('exports albums and imports them into another library, matching photos by content', async () => {
    const file = path.join(work, 'albums export.json')
    expect((await runCli(['albums', 'export', file, '--library', library])).code).toBe(0)
    // Another library over a copy of two classes: ids differ, content is the same.
    const copy = path.join(work, 'copy')
    for (const cls of ['Dog', 'Food'])
      await fs.cp(path.join(SEED, cls), path.join(copy, cls), { recursive: true })
    const other = path.join(work, 'other-library')
    expect((await runCli(['index', copy, '--library', other, '-q'])).code).toBe(0)
    const imported = await runCli(['albums', 'import', file, '--library', other, '--json'])
    expect(imported.code).toBe(1) // photos of the other classes are not in this library: reported
    const r = JSON.parse(imported.stdout)
    expect(r.unmatched.length).toBe(32) // Garment 10 + Location 12 + Vehicle 10
    const dogs = JSON.parse(
      (await runCli(['albums', 'show', 'Dog', '--library', other, '--json'])).stdout,
    ) as string[]
    expect(dogs).toHaveLength(11)
    for (const p of dogs) expect(p.startsWith(path.join(copy, 'Dog'))).toBe(true)
  })
})
