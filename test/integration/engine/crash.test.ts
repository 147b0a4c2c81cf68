import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PhotoStore } from '../../../src/engine/store/photo-store.js'
import { copyPhotos, MIRROR, REPO, runCli, seedPhotos, tempDir } from '../support.js'

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

/** Starts indexing and kills it with SIGKILL after `ms`. */
async function indexAndKill(ms: number): Promise<void> {
  const child = spawn(
    process.execPath,
    [path.join(REPO, 'bin', 'tessera.js'), 'index', photosDir, '--library', library, '-q'],
    {
      env: { ...process.env, TESSERA_MODEL_MIRROR: MIRROR },
      stdio: 'ignore',
    },
  )
  const exited = new Promise((r) => child.once('exit', r))
  await new Promise((r) => setTimeout(r, ms))
  child.kill('SIGKILL')
  await exited
}

describe('kill -9 while indexing', () => {
  it('resumes where it stopped: no lost rows, no duplicates, identities kept', async () => {
    const seen = new Map<string, string>()
    const counts: number[] = []
    for (const ms of [3000, 3500, 4000, 4500]) {
      await indexAndKill(ms)
      const rows = await snapshot()
      counts.push(rows.size)
      // Everything committed before a kill is still there, under the same identity.
      for (const [p, id] of seen) expect(rows.get(p)).toBe(id)
      for (const [p, id] of rows) seen.set(p, id)
    }
    // The kills really landed while work remained (otherwise this test would prove nothing).
    expect(counts.some((c) => c < files.length)).toBe(true)

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
