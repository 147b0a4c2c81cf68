/**
 * `tessera dupes` keeps the pair verifier's verdicts in the library (pair-verdicts.json) and reads them on the
 * next run: a run after a changed verdict follows it (so the file is what decides, not a new check), a run
 * without the file checks again, and a dry run while another process holds the library runs read-only and
 * leaves the file as it was.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireLibraryLock } from '../../../src/engine/library/lock.js'
import { runCli, SEED, tempDir } from '../support.js'

let work: string
let photos: string
let library: string
let verdictsFile: string

interface DupesJson {
  groups: Array<{ kind: string; keep: string; photos: string[] }>
}

const dupes = async (): Promise<DupesJson> => {
  const res = await runCli(['dupes', '--library', library, '--json'])
  expect(res.stderr).not.toMatch(/error/i)
  expect(res.code).toBe(0)
  return JSON.parse(res.stdout) as DupesJson
}
const near = (d: DupesJson) =>
  d.groups.filter((g) => g.kind === 'near').map((g) => g.photos.map((p) => path.basename(p)).sort())

beforeAll(async () => {
  work = await tempDir('verdicts-cli')
  photos = path.join(work, 'photos')
  library = path.join(work, 'library')
  verdictsFile = path.join(library, 'pair-verdicts.json')
  await fs.mkdir(photos)
  for (const [cls, name] of [
    ['Dog', 'd1.jpeg'],
    ['Food', 'f1.jpeg'],
    ['Vehicle', 'v1.jpeg'],
  ])
    await fs.copyFile(path.join(SEED, cls!, name!), path.join(photos, name!))
  await sharp(path.join(photos, 'f1.jpeg'))
    .resize(180)
    .jpeg({ quality: 45 })
    .toFile(path.join(photos, 'f1 small.jpg'))
  expect((await runCli(['index', photos, '--library', library, '-q'])).code).toBe(0)
})
afterAll(() => fs.rm(work, { recursive: true, force: true }))

describe('pair verdicts kept between runs', () => {
  it('writes them on a dry run and follows them on the next', async () => {
    expect(near(await dupes())).toEqual([['f1 small.jpg', 'f1.jpeg']])
    const saved = JSON.parse(await fs.readFile(verdictsFile, 'utf8')) as {
      rules: string
      verdicts: Record<string, [0 | 1, ...unknown[]]>
    }
    const proven = Object.entries(saved.verdicts).filter(([, v]) => v[0] === 1)
    expect(proven).toHaveLength(1)

    // The same run again: the same groups, from the file.
    expect(near(await dupes())).toEqual([['f1 small.jpg', 'f1.jpeg']])
    // A verdict changed in the file is followed (nothing checks the pair again)...
    saved.verdicts[proven[0]![0]] = [0, null, 0, null, null, null]
    await fs.writeFile(verdictsFile, JSON.stringify(saved))
    expect(near(await dupes())).toEqual([])
    // ...and without the file the pair is checked again.
    await fs.rm(verdictsFile)
    expect(near(await dupes())).toEqual([['f1 small.jpg', 'f1.jpeg']])
    await fs.stat(verdictsFile)
  }, 120_000)

  it('runs read-only while another process holds the library, and leaves the verdicts as they were', async () => {
    const before = await fs.readFile(verdictsFile, 'utf8')
    await fs.rm(verdictsFile)
    const release = await acquireLibraryLock(path.join(library, 'library.lock'))
    try {
      expect(near(await dupes())).toEqual([['f1 small.jpg', 'f1.jpeg']])
      await expect(fs.stat(verdictsFile)).rejects.toThrow(/ENOENT/)
    } finally {
      await release()
    }
    await fs.writeFile(verdictsFile, before)
  }, 120_000)
})
