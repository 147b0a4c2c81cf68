import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PhotoStore } from '../../../src/engine/store/photo-store.js'
import { copyPhotos, runCli, seedPhotos, tempDir } from '../support.js'

let work: string
let photosDir: string
let library: string
let files: string[]

beforeAll(async () => {
  work = await tempDir('crash')
  photosDir = path.join(work, 'photos')
  library = path.join(work, 'library')
  files = await copyPhotos(await seedPhotos(100), photosDir) // the whole seed set, 104 photos
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

async function snapshot(): Promise<Map<string, string>> {
  const store = await PhotoStore.open(path.join(library, 'db'))
  try {
    const rows = await store.indexState()
    const byPath = new Map(rows.map((r) => [r.path, r.id]))
    // Never a duplicate row: one row per path, one path per id.
    expect(byPath.size).toBe(rows.length)
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length)
    return byPath
  } finally {
    store.close()
  }
}

/** Indexes with a failpoint that kills the process (SIGKILL) right after its `nth` commit. */
async function indexAndKillAfterCommit(nth: number): Promise<void> {
  const res = await runCli(['index', photosDir, '--library', library, '-q'], {
    TESSERA_FAILPOINT: `index:after-commit#${nth}`,
    TESSERA_COMMIT_ROWS: String(COMMIT_ROWS),
  })
  expect(res.code).toBeNull() // killed, not finished
}

/**
 * With a commit every 8 rows, a commit holds 1 to 7 + 8 = 15 rows (the indexer checks after adding an
 * embedding batch of up to 8), so the kills after commits 1, 1 and 2 of three runs leave at most 4 × 15 =
 * 60 of the 104 photos indexed (92 even with batches of 16): every kill lands mid-run, on any machine.
 */
const COMMIT_ROWS = 8

describe('kill -9 while indexing', () => {
  it('resumes where it stopped: no lost rows, no duplicates, identities kept', async () => {
    const seen = new Map<string, string>()
    let previous = 0
    for (const nth of [1, 1, 2]) {
      await indexAndKillAfterCommit(nth)
      const rows = await snapshot()
      // The kill landed mid-run: this run committed something, and work remained.
      expect(rows.size).toBeGreaterThan(previous)
      expect(rows.size).toBeLessThan(files.length)
      previous = rows.size
      // Everything committed before a kill is still there, under the same identity.
      for (const [p, id] of seen) expect(rows.get(p)).toBe(id)
      for (const [p, id] of rows) seen.set(p, id)
    }

    const final = await runCli(['index', photosDir, '--library', library, '--json', '-q'])
    expect(final.code).toBe(0)
    const rows = await snapshot()
    expect(rows.size).toBe(files.length)
    for (const [p, id] of seen) expect(rows.get(p)).toBe(id)
    const store = await PhotoStore.open(path.join(library, 'db'))
    try {
      expect(await store.count('embedding IS NULL')).toBe(0)
      // Every embedding comes from the one active head.
      const heads = new Set((await store.indexState()).map((r) => r.headVersion))
      expect(heads.size).toBe(1)
    } finally {
      store.close()
    }
    const again = JSON.parse((await runCli(['index', '--library', library, '--json', '-q'])).stdout)
    expect(again).toMatchObject({ unchanged: files.length, decoded: 0, indexed: 0 })
  })
})
