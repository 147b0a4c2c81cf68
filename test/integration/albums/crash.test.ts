import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AlbumStore } from '../../../src/engine/albums/album-store.js'
import { bundleScript, type BundledScript } from '../../bundle-script.js'
import { REPO, tempDir } from '../support.js'
import {
  BASE_ALBUMS,
  applyToModel,
  cloneModel,
  crashOps,
  describeModel,
  runOp,
  type Model,
} from './crash-ops.js'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts')
const ROUNDS = 8

let work: string
let dbDir: string

// crash-child.ts bundled once (test/bundle-script.ts): each of the 8 children starts without tsx.
let bundled: BundledScript
beforeAll(async () => {
  work = await tempDir('albums-crash')
  dbDir = path.join(work, 'db')
  bundled = await bundleScript(CHILD)
})
afterAll(async () => {
  await bundled?.dispose()
  await fs.rm(work, { recursive: true, force: true })
})

/**
 * Runs one round in a child process that does `killAfter` operations, starts one more and kills itself
 * with SIGKILL `turns` event-loop turns later (crash-child.ts): no timer decides where the kill lands.
 */
async function runAndKill(
  round: number,
  killAfter: number,
  turns: number,
): Promise<{ done: number; signal: string | null }> {
  const child = spawn(
    process.execPath,
    [bundled.file, dbDir, String(round), String(killAfter), String(turns)],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const signal = await new Promise<string | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (_code, sig) => resolve(sig))
  })
  if (!stdout.startsWith('ready\n')) throw new Error(`The child did not start:\n${stderr}`)
  const counts = stdout.split('\n').filter((l) => /^\d+$/.test(l))
  return { done: counts.length > 0 ? Number(counts.at(-1)) : 0, signal }
}

async function actualModel(): Promise<Model> {
  const store = await AlbumStore.open(dbDir)
  try {
    const albums = await store.contents()
    // One album per name, one membership per (album, photo).
    expect(new Set(albums.map((a) => a.name.toLowerCase())).size).toBe(albums.length)
    const pairs = await store.memberships()
    expect(new Set(pairs.map((p) => `${p.albumId}/${p.photoId}`)).size).toBe(pairs.length)
    for (const a of albums) expect(new Set(a.members).size).toBe(a.members.length)
    return new Map(albums.map((a) => [a.name.toLowerCase(), { name: a.name, members: new Set(a.members) }]))
  } finally {
    await store.close()
  }
}

describe('kill -9 while albums change', () => {
  it('reopens to exactly the acknowledged operations (or one more): nothing lost, nothing doubled', async () => {
    const base = await AlbumStore.open(dbDir)
    for (const name of BASE_ALBUMS) await base.create(name)
    await base.close()

    let model: Model = await actualModel()
    const progress: string[] = []
    for (let round = 1; round <= ROUNDS; round++) {
      // 40 to 400 operations (the journal is compacted every ~8 KB, about every hundred), then 0 to 12
      // event-loop turns into the next one: before its write, during it, after it, during a snapshot.
      const killAfter = 40 + ((round * 137) % 361)
      const turns = [0, 1, 2, 3, 4, 6, 8, 12][(round - 1) % 8]!
      const { done, signal } = await runAndKill(round, killAfter, turns)
      expect(signal).toBe('SIGKILL')
      expect(done).toBe(killAfter)

      // What the kill interrupted, for the log: a record half written, a snapshot half written.
      const journal = await fs
        .readFile(path.join(dbDir, 'albums', 'journal.jsonl'))
        .catch(() => Buffer.alloc(0))
      const torn = journal.length > 0 && journal.at(-1) !== 0x0a
      const tmp = (await fs.readdir(path.join(dbDir, 'albums'))).some((f) => f.endsWith('.tmp'))

      const actual = await actualModel()
      const ops = crashOps(round, done + 1)
      const expected = cloneModel(model)
      for (const op of ops.slice(0, done)) applyToModel(expected, op)
      let applied = done
      if (describeModel(actual) !== describeModel(expected)) {
        // Killed after the commit of operation done+1 but before it was reported: it must be whole.
        applyToModel(expected, ops[done]!)
        applied = done + 1
      }
      expect(describeModel(actual)).toBe(describeModel(expected))
      progress.push(
        `round ${round}: killed ${turns} turns into operation ${done + 1}, ${done} acknowledged, ${applied} on disk` +
          (torn ? ', torn record cut off' : '') +
          (tmp ? ', during a snapshot' : ''),
      )
      model = actual

      // Reopening cut any torn record: the journal ends on a whole line.
      const after = await fs.readFile(path.join(dbDir, 'albums', 'journal.jsonl'))
      expect(after.length === 0 || after.at(-1) === 0x0a).toBe(true)
    }
    console.log(progress.join('\n'))
    expect(progress.length).toBe(ROUNDS)

    // After all the kills the store still works and keeps its changes.
    const store = await AlbumStore.open(dbDir)
    await runOp(store, { op: 'add', album: 'Base 0', photos: ['photo-final'] })
    await store.close()
    applyToModel(model, { op: 'add', album: 'Base 0', photos: ['photo-final'] })
    expect(describeModel(await actualModel())).toBe(describeModel(model))
  })
})
