import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PhotoStore } from '../../../src/engine/store/photo-store.js'
import { runCli, SEED, tempDir } from '../support.js'

let work: string
let photos: string
let library: string
let env: NodeJS.ProcessEnv

const ls = async (dir: string) => (await fs.readdir(dir)).sort()

beforeAll(async () => {
  work = await tempDir('dupes-cli')
  photos = path.join(work, 'photos')
  library = path.join(work, 'library')
  env = { TESSERA_TRASH_DIR: path.join(work, 'trash') } // never the real user trash in tests
  await fs.mkdir(photos)
  for (const [cls, name] of [
    ['Dog', 'd1.jpeg'],
    ['Dog', 'd2.jpeg'],
    ['Food', 'f1.jpeg'],
    ['Vehicle', 'v1.jpeg'],
    ['Vehicle', 'v2.jpeg'],
  ]) {
    await fs.copyFile(path.join(SEED, cls!, name!), path.join(photos, name!))
  }
  await fs.copyFile(path.join(photos, 'd1.jpeg'), path.join(photos, 'd1 copy.jpeg')) // exact
  await sharp(path.join(photos, 'f1.jpeg'))
    .resize(180)
    .jpeg({ quality: 45 })
    .toFile(path.join(photos, 'f1 small.jpg')) // near
  expect((await runCli(['index', photos, '--library', library, '-q'], env)).code).toBe(0)
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

describe('tessera dupes, --trash and undo', () => {
  it('reports exact and near duplicates with the keeper and why, and moves nothing by default', async () => {
    const before = await ls(photos)
    const res = await runCli(['dupes', '--library', library, '--json'], env)
    expect(res.code).toBe(0)
    const { groups } = JSON.parse(res.stdout)
    const byKind = Object.fromEntries(groups.map((g: { kind: string }) => [g.kind, g]))
    expect(byKind.exact).toMatchObject({
      keep: path.join(photos, 'd1.jpeg'),
      photos: [path.join(photos, 'd1.jpeg'), path.join(photos, 'd1 copy.jpeg')],
    })
    expect(byKind.near.keep).toBe(path.join(photos, 'f1.jpeg'))
    expect(byKind.near.photos).toContain(path.join(photos, 'f1 small.jpg'))
    expect(byKind.near.reason).toMatch(/resolution/i)
    expect(await ls(photos)).toEqual(before)
  })

  it('--trash moves the others to the trash; undo puts every file back with its identity', async () => {
    const store = await PhotoStore.open(path.join(library, 'db'))
    const idsBefore = new Map((await store.indexState()).map((r) => [r.path, r.id]))
    store.close()
    const before = await ls(photos)
    const trashed = await runCli(['dupes', '--trash', '--library', library, '--json', '-q'], env)
    expect(trashed.code).toBe(0)
    expect(
      JSON.parse(trashed.stdout)
        .trashed.moved.map((m: { path: string }) => path.basename(m.path))
        .sort(),
    ).toEqual(['d1 copy.jpeg', 'f1 small.jpg'])
    expect(await ls(photos)).toEqual(before.filter((n) => n !== 'd1 copy.jpeg' && n !== 'f1 small.jpg'))
    expect(await ls(path.join(work, 'trash', 'files'))).toEqual(['d1 copy.jpeg', 'f1 small.jpg'])
    // A rescan while they are in the trash does not forget them.
    expect((await runCli(['index', '--library', library, '-q'], env)).code).toBe(0)
    const status = JSON.parse((await runCli(['status', '--library', library, '--json'], env)).stdout)
    expect(status).toMatchObject({ photos: 5, trashed: 2 })

    const undo = await runCli(['undo', '--library', library, '--json', '-q'], env)
    expect(undo.code).toBe(0)
    expect(await ls(photos)).toEqual(before)
    const bytesBack = await fs.readFile(path.join(photos, 'd1 copy.jpeg'))
    expect(bytesBack.equals(await fs.readFile(path.join(photos, 'd1.jpeg')))).toBe(true)
    const after = await PhotoStore.open(path.join(library, 'db'))
    const rows = await after.indexState()
    after.close()
    expect(rows.every((r) => r.status === 'ok')).toBe(true)
    for (const r of rows) expect(r.id).toBe(idsBefore.get(r.path))
    const nothing = await runCli(['undo', '--library', library], env)
    expect(nothing.stdout).toMatch(/Nothing to undo/)
  })
})
