/**
 * Trash that cannot lose identity (issue 10, acceptance 3): `tessera dupes --trash` killed with SIGKILL at
 * a failpoint (never a timer) after files reached the trash, then `index`, then `undo`: every photo keeps
 * its id and every album its members. Then a crash at every other step of a move to the trash, of an undo
 * and of a restore from the Trash view, each followed by a scan before anything is undone.
 *
 * One small library (10 seed photos and 3 exact copies, the copies being what `dupes --trash` moves) is
 * reused: each scenario ends with every file back, so the next one starts from the same state. The crash is
 * always the real CLI in a child process; `index` and `undo` run in this process through the Engine
 * methods the CLI commands call (a CLI start costs a second of a loaded machine's time), and by the CLI
 * itself in the scenarios marked so.
 */
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import { JOURNAL_FILE, TrashJournal } from '../../../src/engine/trash/index.js'
import { copyPhotos, MIRROR, runCli, seedPhotos, tempDir } from '../support.js'

let work: string
let photos: string
let library: string
let trashDir: string
let env: NodeJS.ProcessEnv
/** path → photo id, and the album's members, before anything was trashed. */
let idOf: Map<string, string>
let members: string[]
let copies: string[]
const savedTrashEnv = process.env.TESSERA_TRASH_DIR

beforeAll(async () => {
  work = await tempDir('trash-crash')
  photos = path.join(work, 'photos')
  library = path.join(work, 'library')
  trashDir = path.join(work, 'trash')
  env = { TESSERA_TRASH_DIR: trashDir } // never the real user trash in tests
  // Engine.open (in this process) reads the trash folder from the environment too.
  process.env.TESSERA_TRASH_DIR = trashDir
  const originals = await copyPhotos(await seedPhotos(2), photos)
  originals.sort()
  copies = []
  for (const p of originals.filter((_, i) => i % 4 === 0)) {
    const copy = path.join(photos, `zz copy of ${path.basename(p)}`) // the longer path: the one moved
    await fs.copyFile(p, copy)
    copies.push(copy)
  }
  const indexed = await runCli(['index', photos, '--library', library, '-q'], env)
  expect(indexed.code, indexed.stderr).toBe(0)
  await withEngine(async (engine) => {
    const rows = await engine.store.indexState()
    expect(rows).toHaveLength(originals.length + copies.length)
    idOf = new Map(rows.map((r) => [r.path, r.id]))
    const albums = await engine.albums()
    await albums.create('Everything')
    await albums.add('Everything', [...idOf.values()])
    members = (await albums.members('Everything')).sort()
  })
  expect(members).toHaveLength(idOf.size)
}, 180_000)

afterAll(async () => {
  if (savedTrashEnv === undefined) delete process.env.TESSERA_TRASH_DIR
  else process.env.TESSERA_TRASH_DIR = savedTrashEnv
  await fs.rm(work, { recursive: true, force: true })
})

async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await Engine.open({ libraryDir: library, modelMirror: MIRROR })
  try {
    return await fn(engine)
  } finally {
    await engine.close()
  }
}

/** Runs the CLI with a failpoint and expects it to die there (SIGKILL: no exit code, no final output). */
async function crash(args: string[], failpoint: string): Promise<void> {
  const res = await runCli([...args, '--library', library, '-q'], { ...env, TESSERA_FAILPOINT: failpoint })
  expect(res.code, `${args.join(' ')} at ${failpoint} was not killed: ${res.stdout}${res.stderr}`).toBeNull()
  expect(res.stdout).not.toMatch(/Moved|Restored/)
}

async function inTrash(): Promise<string[]> {
  return (await fs.readdir(path.join(trashDir, 'files')).catch(() => [] as string[])).sort()
}

/** Every photo of the library has its id (trashed or not) and the album has every member. */
async function expectIdentity(engine: Engine, trashed: readonly string[] = []): Promise<void> {
  const rows = await engine.store.indexState()
  const now = new Map(rows.map((r) => [r.path, r]))
  for (const [p, id] of idOf) {
    expect(now.get(p)?.id, `${path.basename(p)} lost its id`).toBe(id)
    expect(now.get(p)!.status, path.basename(p)).toBe(trashed.includes(p) ? 'trashed' : 'ok')
  }
  expect(rows).toHaveLength(idOf.size) // no new photo for a file that came back
  expect((await (await engine.albums()).members('Everything')).sort()).toEqual(members)
}

/** Every file is back at its path and nothing of ours is left in the trash. */
async function expectAllBack(): Promise<void> {
  for (const p of idOf.keys()) expect(existsSync(p), `${p} is not back`).toBe(true)
  expect(await inTrash()).toEqual([])
}

describe('kill -9 during dupes --trash, then index, then undo', () => {
  it('20 times: every id and album member unchanged', async () => {
    const started = Date.now()
    let inCrash = 0
    const cpu = process.cpuUsage()
    for (let cycle = 0; cycle < 20; cycle++) {
      const t0 = Date.now()
      // After the 1st, 2nd or 3rd file reached the trash, before the journal recorded it.
      const moves = 1 + (cycle % copies.length)
      await crash(['dupes', '--trash'], `trash:after-move#${moves}`)
      inCrash += Date.now() - t0
      const gone = copies.filter((p) => !existsSync(p))
      expect(gone, `cycle ${cycle}`).toHaveLength(moves)
      expect(await inTrash()).toHaveLength(moves)
      await withEngine(async (engine) => {
        // As when the app restarts: a scan before anything else. Files in the trash are not "removed".
        const report = await engine.index()
        expect(report.removed, `cycle ${cycle}`).toBe(0)
        await expectIdentity(engine, gone)
        const undo = await engine.undo()
        expect(undo.restored.sort(), `cycle ${cycle}`).toEqual(gone.sort())
        await expectIdentity(engine)
        expect((await engine.status()).trashed).toBe(0)
        expect(await engine.canUndo()).toBe(false)
      })
      await expectAllBack()
    }
    // A figure for the report (never asserted: the machine's load decides it).
    const { user, system } = process.cpuUsage(cpu)
    console.log(
      `20 crash/index/undo cycles in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${(inCrash / 1000).toFixed(1)} s of it in the crashing CLI; this process's CPU ` +
        `${((user + system) / 1e6).toFixed(1)} s)`,
    )
  }, 600_000)
})

describe('a crash at every step, then a scan before anything is undone', () => {
  // Steps of a move to the trash, in order. Before the first move nothing is in the trash (the rows
  // marked for a moment go back); from the first move on, the moved files are.
  const trashSteps: Array<[string, number]> = [
    ['trash:after-journal', 0],
    ['trash:after-rows-marked', 0],
    ['trash:after-move#1', 1],
    ['trash:after-all-moved', 3],
    ['trash:after-done', 3],
    ['trash:after-rows-settled', 3],
  ]
  for (const [failpoint, moved] of trashSteps) {
    it(`dupes --trash killed at ${failpoint}: index keeps every id, undo brings the same photos back`, async () => {
      await crash(['dupes', '--trash'], failpoint)
      const gone = copies.filter((p) => !existsSync(p))
      expect(gone).toHaveLength(moved)
      await withEngine(async (engine) => {
        expect((await engine.index()).removed).toBe(0)
        await expectIdentity(engine, gone)
        expect(await engine.canUndo()).toBe(moved > 0)
        const undo = await engine.undo()
        expect(undo.restored.sort()).toEqual(gone.sort())
        await expectIdentity(engine)
      })
      await expectAllBack()
    })
  }

  it('with the real commands: killed after the first move, `tessera index`, `tessera undo`', async () => {
    await crash(['dupes', '--trash'], 'trash:after-move#1')
    const gone = copies.filter((p) => !existsSync(p))
    expect(gone).toHaveLength(1)
    const index = await runCli(['index', '--library', library, '--json', '-q'], env)
    expect(index.code, index.stderr).toBe(0)
    expect(JSON.parse(index.stdout)).toMatchObject({ removed: 0, indexed: 0 })
    const status = JSON.parse((await runCli(['status', '--library', library, '--json'], env)).stdout)
    expect(status).toMatchObject({ photos: idOf.size - 1, trashed: 1 })
    const undo = await runCli(['undo', '--library', library, '--json', '-q'], env)
    expect(undo.code, undo.stderr).toBe(0)
    expect(JSON.parse(undo.stdout).restored).toEqual(gone)
    await withEngine((engine) => expectIdentity(engine))
    await expectAllBack()
  })

  const undoSteps = ['undo:after-journal', 'undo:after-restore#1', 'undo:after-done', 'undo:after-sync']
  for (const failpoint of undoSteps) {
    it(`undo killed at ${failpoint}: the next start finishes it, with the same ids`, async () => {
      await withEngine(async (engine) => {
        expect((await engine.trash(copies)).moved).toHaveLength(copies.length)
        await expectIdentity(engine, copies)
      })
      await crash(['undo'], failpoint)
      await withEngine(async (engine) => {
        // The scan sees every file back (start-up recovery finished the undo) and no new photo.
        const report = await engine.index()
        expect(report).toMatchObject({ removed: 0, indexed: 0, copies: 0, moved: 0 })
        await expectIdentity(engine)
        expect(await engine.canUndo()).toBe(false)
      })
      await expectAllBack()
    })
  }

  const restoreSteps = ['restore:after-journal', 'restore:after-file#1', 'restore:after-done']
  for (const failpoint of restoreSteps) {
    it(`a restore of one photo killed at ${failpoint}: it comes back, the others stay trashed`, async () => {
      const [one, ...others] = copies
      await withEngine(async (engine) => {
        await engine.trash(copies)
      })
      await crash(['trash', 'restore', idOf.get(one!)!], failpoint)
      await withEngine(async (engine) => {
        expect((await engine.index()).removed).toBe(0)
        await expectIdentity(engine, others)
        const listed = await engine.trashed()
        expect(listed.filter((e) => e.state === 'in-trash').map((e) => e.photoId)).toEqual(
          others.map((p) => idOf.get(p)),
        )
        // The rest of the batch, by its id: the same photos back.
        const batch = listed[0]!.batchId
        expect((await engine.restoreTrashed({ actionIds: [batch] })).restored.sort()).toEqual(others.sort())
        await expectIdentity(engine)
        expect(await engine.canUndo()).toBe(false)
      })
      await expectAllBack()
    })
  }

  it('a journal an older version left mid-move (no photo ids, rows never marked) is settled by path', async () => {
    const old = new TrashJournal({
      libraryDir: library,
      trashDir,
      hooks: {
        afterMove: () => {
          throw new Error('simulated crash')
        },
      },
    })
    await expect(old.trashFiles(copies)).rejects.toThrow('simulated crash')
    const gone = copies.filter((p) => !existsSync(p))
    expect(gone).toHaveLength(1)
    await withEngine(async (engine) => {
      expect((await engine.index()).removed).toBe(0)
      await expectIdentity(engine, gone)
      expect((await engine.trashed()).filter((e) => e.state === 'in-trash')).toMatchObject([
        { photoId: idOf.get(gone[0]!), path: gone[0] },
      ])
      expect((await engine.undo()).restored).toEqual(gone)
      await expectIdentity(engine)
    })
    await expectAllBack()
  })

  it('the journal ends with every action settled', async () => {
    const journal = JSON.parse(await fs.readFile(path.join(library, JOURNAL_FILE), 'utf8')) as {
      actions: Array<{ state: string; rowsSettled?: boolean }>
    }
    expect(journal.actions.every((a) => a.state === 'undone' && a.rowsSettled === undefined)).toBe(true)
  })
})
