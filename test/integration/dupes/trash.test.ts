/**
 * Moving photos to the trash and back, on real files in temp folders (never the user's own trash): the
 * freedesktop layout, undo after a restart, refusing to overwrite, and crashes at every step, injected and
 * real (kill -9), after which no photo is ever lost.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JOURNAL_FILE, TrashBins, TrashJournal } from '../../../src/engine/trash/index.js'
import { REPO, tempDir } from '../support.js'

let root: string
let library: string
let trash: string
let photos: string

beforeEach(async () => {
  root = await tempDir('trash')
  library = path.join(root, 'library')
  trash = path.join(root, 'Trash')
  photos = path.join(root, 'photos')
})

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

/** Files with distinct contents and old mtimes, some with the same name in different folders. */
async function makePhotos(count: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const file = path.join(photos, `folder ${i % 3}`, i % 2 ? `IMG_${i}.jpg` : 'same name.jpg')
    const unique = i % 2 ? file : path.join(path.dirname(file), `sub${i}`, 'same name.jpg')
    await fs.mkdir(path.dirname(unique), { recursive: true })
    await fs.writeFile(unique, `photo ${i} `.repeat(100 + i))
    await fs.utimes(unique, new Date(2020, 0, 1 + i), new Date(2020, 0, 1 + i))
    out.push(unique)
  }
  return out
}

async function snapshot(files: string[]): Promise<Map<string, { content: string; mtime: number }>> {
  const out = new Map<string, { content: string; mtime: number }>()
  for (const f of files)
    out.set(f, { content: await fs.readFile(f, 'utf8'), mtime: (await fs.stat(f)).mtime.getTime() })
  return out
}

async function expectAllBack(before: Map<string, { content: string; mtime: number }>): Promise<void> {
  for (const [f, { content, mtime }] of before) {
    expect(await fs.readFile(f, 'utf8'), f).toBe(content)
    expect((await fs.stat(f)).mtime.getTime(), f).toBe(mtime)
  }
}

async function listDir(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).sort()
}

/** Every file is at its original path, or in the trash and recorded as moved there: never lost. */
async function expectNoneLost(files: string[], journal: TrashJournal): Promise<{ inTrash: number }> {
  const moved = new Map(
    (await journal.actions()).flatMap((a) =>
      a.items.filter((i) => i.state === 'moved').map((i) => [i.path, i]),
    ),
  )
  let inTrash = 0
  for (const f of files) {
    if (existsSync(f)) {
      expect(moved.has(f), `${f} is at its place and also recorded as moved`).toBe(false)
      continue
    }
    const item = moved.get(f)
    expect(item, `${f} is gone and not recorded`).toBeDefined()
    expect(existsSync(item!.trashPath!), `${f} is not at ${item!.trashPath}`).toBe(true)
    inTrash++
  }
  return { inTrash }
}

describe('TrashJournal', () => {
  it('moves files to a freedesktop trash and undo puts every one back', async () => {
    const files = await makePhotos(9)
    const before = await snapshot(files)
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash })
    const result = await journal.trashFiles(files)
    expect(result.failed).toEqual([])
    expect(result.moved.map((m) => m.path)).toEqual(files)
    for (const f of files) expect(existsSync(f)).toBe(false)

    // files/ and info/ side by side; same names get " (2)", " (3)"…
    const names = await listDir(path.join(trash, 'files'))
    expect(names).toHaveLength(9)
    expect(names).toContain('same name.jpg')
    expect(names).toContain('same name (2).jpg')
    expect(await listDir(path.join(trash, 'info'))).toEqual(names.map((n) => `${n}.trashinfo`).sort())
    const first = result.moved[0]!
    const info = await fs.readFile(
      path.join(trash, 'info', `${path.basename(first.trashPath!)}.trashinfo`),
      'utf8',
    )
    expect(info).toMatch(/^\[Trash Info\]\nPath=\/.*\nDeletionDate=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\n$/)
    expect(decodeURIComponent(/Path=(.*)/.exec(info)![1]!)).toBe(first.path)
    expect(info).toContain('folder%200') // spaces escaped

    const undo = await journal.undoLast()
    expect(undo.actionId).toBe(result.actionId)
    expect(undo.failed).toEqual([])
    expect(undo.restored.sort()).toEqual([...files].sort())
    await expectAllBack(before)
    expect(await listDir(path.join(trash, 'files'))).toEqual([])
    expect(await listDir(path.join(trash, 'info'))).toEqual([])
    // Nothing left to undo.
    expect((await journal.undoLast()).actionId).toBeNull()
  })

  it('undoes the last action after a restart, then the one before', async () => {
    const files = await makePhotos(4)
    const before = await snapshot(files)
    const first = new TrashJournal({ libraryDir: library, trashDir: trash })
    const a = await first.trashFiles(files.slice(0, 2))
    const b = await first.trashFiles(files.slice(2))
    expect(existsSync(path.join(library, JOURNAL_FILE))).toBe(true)

    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    expect(await restarted.recover()).toEqual({ actions: [] })
    const undoB = await restarted.undoLast()
    expect(undoB.actionId).toBe(b.actionId)
    expect(undoB.restored.sort()).toEqual(files.slice(2).sort())
    expect(existsSync(files[0]!)).toBe(false)
    const undoA = await new TrashJournal({ libraryDir: library, trashDir: trash }).undoLast()
    expect(undoA.actionId).toBe(a.actionId)
    await expectAllBack(before)
  })

  it('never overwrites a file that reappeared at the original path, and says so', async () => {
    const files = await makePhotos(3)
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash })
    const { moved } = await journal.trashFiles(files)
    await fs.writeFile(files[1]!, 'a new file took its place')
    const undo = await journal.undoLast()
    expect(undo.restored.sort()).toEqual([files[0]!, files[2]!].sort())
    expect(undo.failed).toEqual([
      { path: files[1]!, reason: expect.stringMatching(/already at/), trashPath: moved[1]!.trashPath },
    ])
    expect(await fs.readFile(files[1]!, 'utf8')).toBe('a new file took its place')
    expect(await fs.readFile(moved[1]!.trashPath!, 'utf8')).toMatch(/^photo 1 /)
  })

  it('reports files it cannot move, and records nothing when nothing moved', async () => {
    await fs.mkdir(photos, { recursive: true })
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash })
    const result = await journal.trashFiles([path.join(photos, 'missing.jpg'), photos])
    expect(result.moved).toEqual([])
    expect(result.failed).toEqual([
      { path: path.join(photos, 'missing.jpg'), reason: 'The file does not exist.' },
      { path: photos, reason: 'This is not a regular file.' },
    ])
    expect(await journal.actions()).toEqual([])
    expect(await listDir(path.join(trash, 'info'))).toEqual([])
    expect(existsSync(photos)).toBe(true)
  })

  it('copies then deletes when the trash is on another device, keeping the file times', async () => {
    const files = await makePhotos(3)
    const before = await snapshot(files)
    const exdev = async () => {
      throw Object.assign(new Error('cross-device link not permitted'), { code: 'EXDEV' })
    }
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash, hooks: { rename: exdev } })
    const result = await journal.trashFiles(files)
    expect(result.moved).toHaveLength(3)
    expect((await journal.actions())[0]!.items.every((i) => i.via === 'copy')).toBe(true)
    for (const m of result.moved) {
      expect(existsSync(m.path)).toBe(false)
      expect((await fs.stat(m.trashPath!)).mtime.getTime()).toBe(before.get(m.path)!.mtime)
    }
    await journal.undoLast()
    await expectAllBack(before)
  })

  it('uses $XDG_DATA_HOME/Trash by default on Linux', async () => {
    const files = await makePhotos(1)
    const dataHome = path.join(root, 'data-home')
    const journal = new TrashJournal({
      libraryDir: library,
      env: { XDG_DATA_HOME: dataHome },
      platform: 'linux',
    })
    const { moved } = await journal.trashFiles(files)
    expect(moved[0]!.trashPath).toBe(path.join(dataHome, 'Trash', 'files', 'same name.jpg'))
    expect(existsSync(path.join(dataHome, 'Trash', 'info', 'same name.jpg.trashinfo'))).toBe(true)
    await journal.undoLast()
    expect(existsSync(files[0]!)).toBe(true)
  })

  it('uses ~/.Trash on macOS, where there are no info files', async () => {
    const files = await makePhotos(2)
    const home = path.join(root, 'home')
    const journal = new TrashJournal({ libraryDir: library, homeDir: home, platform: 'darwin' })
    const { moved } = await journal.trashFiles(files)
    expect(moved.map((m) => path.dirname(m.trashPath!))).toEqual([
      path.join(home, '.Trash'),
      path.join(home, '.Trash'),
    ])
    expect((await journal.actions())[0]!.items.every((i) => i.infoPath === null)).toBe(true)
    expect((await journal.undoLast()).restored).toHaveLength(2)
  })

  it('refuses to work over a damaged journal, without overwriting it', async () => {
    await fs.mkdir(library, { recursive: true })
    await fs.writeFile(path.join(library, JOURNAL_FILE), '{"version": 1, "actions": [')
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash })
    await expect(journal.trashFiles([path.join(root, 'x.jpg')])).rejects.toThrow(/journal .* is damaged/)
    expect(await fs.readFile(path.join(library, JOURNAL_FILE), 'utf8')).toBe('{"version": 1, "actions": [')
  })
})

describe('per-device trash folders (freedesktop)', () => {
  /** lstat, but everything under `volume` pretends to be on device 99. */
  function fakeDevices(volume: string) {
    return async (p: string) => {
      const s = await fs.lstat(p)
      const onVolume = p === volume || p.startsWith(volume + path.sep)
      return Object.assign(Object.create(Object.getPrototypeOf(s) as object) as typeof s, s, {
        dev: onVolume ? 99 : s.dev,
      })
    }
  }

  it('puts a file of another device in $topdir/.Trash-$uid, with a relative Path', async () => {
    const volume = path.join(root, 'volume')
    const file = path.join(volume, 'DCIM', 'a b.jpg')
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, 'x')
    const env = { XDG_DATA_HOME: path.join(root, 'data-home') }
    const bins = new TrashBins({ env, uid: 1234, stat: fakeDevices(volume), platform: 'linux' })
    const bin = await bins.forFile(file)
    expect(bin).toEqual({
      files: path.join(volume, '.Trash-1234', 'files'),
      info: path.join(volume, '.Trash-1234', 'info'),
      topDir: volume,
    })
    const journal = new TrashJournal({
      libraryDir: library,
      env,
      uid: 1234,
      stat: fakeDevices(volume),
      platform: 'linux',
    })
    await journal.trashFiles([file])
    const info = await fs.readFile(path.join(volume, '.Trash-1234', 'info', 'a b.jpg.trashinfo'), 'utf8')
    expect(info).toContain('Path=DCIM/a%20b.jpg\n')
    await journal.undoLast()
    expect(await fs.readFile(file, 'utf8')).toBe('x')
  })

  it('prefers an administrator-made sticky $topdir/.Trash/$uid', async () => {
    const volume = path.join(root, 'volume')
    await fs.mkdir(path.join(volume, '.Trash'), { recursive: true })
    await fs.chmod(path.join(volume, '.Trash'), 0o1777)
    await fs.writeFile(path.join(volume, 'p.jpg'), 'x')
    const bins = new TrashBins({ uid: 1234, stat: fakeDevices(volume), platform: 'linux' })
    expect((await bins.forFile(path.join(volume, 'p.jpg'))).files).toBe(
      path.join(volume, '.Trash', '1234', 'files'),
    )
  })
})

describe('crashes', () => {
  const crash = () => {
    throw new Error('simulated crash')
  }

  it('between the journal write and the first move: every file stays, no reservation is left', async () => {
    const files = await makePhotos(5)
    const before = await snapshot(files)
    const dying = new TrashJournal({ libraryDir: library, trashDir: trash, hooks: { afterPlan: crash } })
    await expect(dying.trashFiles(files)).rejects.toThrow('simulated crash')
    // The journal already names every destination.
    const onDisk = JSON.parse(await fs.readFile(path.join(library, JOURNAL_FILE), 'utf8'))
    expect(onDisk.actions[0].state).toBe('trashing')
    expect(onDisk.actions[0].items.every((i: { trashPath: string }) => i.trashPath)).toBe(true)
    expect(await listDir(path.join(trash, 'info'))).toHaveLength(5)

    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    const recovered = await restarted.recover()
    expect(recovered.actions).toEqual([
      { actionId: onDisk.actions[0].id, was: 'trashing', settled: 0, problems: [] },
    ])
    await expectAllBack(before)
    expect(await listDir(path.join(trash, 'info'))).toEqual([])
    expect(await restarted.actions()).toEqual([])
    expect((await restarted.undoLast()).actionId).toBeNull()
  })

  it('between a move and the journal update: the moved files are found and undo brings them back', async () => {
    const files = await makePhotos(6)
    const before = await snapshot(files)
    let moves = 0
    const dying = new TrashJournal({
      libraryDir: library,
      trashDir: trash,
      hooks: { afterMove: () => (++moves === 3 ? crash() : undefined) },
    })
    await expect(dying.trashFiles(files)).rejects.toThrow('simulated crash')
    expect(files.filter((f) => !existsSync(f))).toHaveLength(3)

    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    const recovered = await restarted.recover()
    expect(recovered.actions[0]).toMatchObject({ was: 'trashing', settled: 3, problems: [] })
    expect((await expectNoneLost(files, restarted)).inTrash).toBe(3)
    expect(await listDir(path.join(trash, 'info'))).toHaveLength(3) // the unmoved ones' reservations are gone
    const undo = await restarted.undoLast()
    expect(undo.restored).toHaveLength(3)
    await expectAllBack(before)
  })

  it('in the middle of a copy to another device: the partial copy goes, the original stays', async () => {
    const files = await makePhotos(2)
    const before = await snapshot(files)
    const dying = new TrashJournal({ libraryDir: library, trashDir: trash, hooks: { afterPlan: crash } })
    await expect(dying.trashFiles(files)).rejects.toThrow()
    const items = JSON.parse(await fs.readFile(path.join(library, JOURNAL_FILE), 'utf8')).actions[0].items
    // What a copy cut short leaves: half of the file beside its destination.
    await fs.writeFile(`${items[0].trashPath}.tessera-part`, (await fs.readFile(files[0]!)).subarray(0, 10))
    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    expect((await restarted.recover()).actions[0]).toMatchObject({ was: 'trashing', settled: 0 })
    expect(await listDir(path.join(trash, 'files'))).toEqual([])
    await expectAllBack(before)
  })

  it('during the plan: reserved places are released', async () => {
    const files = await makePhotos(2)
    // What a crash right after the reservations leaves: a "planning" action and .trashinfo files.
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash, hooks: { afterPlan: crash } })
    await expect(journal.trashFiles(files)).rejects.toThrow()
    const file = path.join(library, JOURNAL_FILE)
    const onDisk = JSON.parse(await fs.readFile(file, 'utf8'))
    onDisk.actions[0].state = 'planning'
    for (const item of onDisk.actions[0].items) Object.assign(item, { trashPath: null, infoPath: null })
    await fs.writeFile(file, JSON.stringify(onDisk))
    await fs.writeFile(
      path.join(trash, 'info', 'unrelated.jpg.trashinfo'),
      '[Trash Info]\nPath=/elsewhere.jpg\n',
    )

    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    expect((await restarted.recover()).actions[0]).toMatchObject({ was: 'planning', settled: 0 })
    expect(await listDir(path.join(trash, 'info'))).toEqual(['unrelated.jpg.trashinfo'])
    expect(await restarted.actions()).toEqual([])
    for (const f of files) expect(existsSync(f)).toBe(true)
  })

  it('during an undo: recovery finishes putting the files back', async () => {
    const files = await makePhotos(4)
    const before = await snapshot(files)
    await new TrashJournal({ libraryDir: library, trashDir: trash }).trashFiles(files)
    let restores = 0
    const dying = new TrashJournal({
      libraryDir: library,
      trashDir: trash,
      hooks: { afterRestore: () => (++restores === 2 ? crash() : undefined) },
    })
    await expect(dying.undoLast()).rejects.toThrow('simulated crash')
    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    expect((await restarted.recover()).actions[0]).toMatchObject({ was: 'undoing', settled: 4, problems: [] })
    await expectAllBack(before)
    expect(await listDir(path.join(trash, 'files'))).toEqual([])
  })

  it('killed with SIGKILL in the middle of moving 300 files: none is lost, undo restores all', async () => {
    const files = await makePhotos(300)
    const before = await snapshot(files)
    const list = path.join(root, 'list.json')
    await fs.writeFile(list, JSON.stringify(files))
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO, 'test', 'integration', 'dupes', 'trash-child.ts'),
        library,
        trash,
        list,
        '120', // it kills itself right after the 120th move, before the journal records it
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let output = ''
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('close', (_code, signal) => resolve(signal)),
    )
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    expect(await exited).toBe('SIGKILL')
    const lines = output.split('\n')
    expect(lines).not.toContain('finished')
    const moved = lines.filter((l) => l.startsWith('moved ')).length
    expect(moved).toBe(120)

    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    const recovered = await restarted.recover()
    expect(recovered.actions).toHaveLength(1)
    const { inTrash } = await expectNoneLost(files, restarted)
    expect(inTrash).toBe(120) // moved one by one: the 120th was moved, not yet recorded
    expect(recovered.actions[0]!.settled).toBe(inTrash)
    const undo = await restarted.undoLast()
    expect(undo.failed).toEqual([])
    await expectAllBack(before)
  })
})

describe('restoring chosen files, and the rows of the library', () => {
  const photoMap = (files: string[]) =>
    new Map(files.map((f, i) => [f, { id: `id-${i}`, status: 'ok' as const }]))

  it('puts back one photo, one path or a whole action from any action, not only the last', async () => {
    const files = await makePhotos(6)
    const before = await snapshot(files)
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash })
    const first = await journal.trashFiles(files.slice(0, 3), { photos: photoMap(files) })
    const second = await journal.trashFiles(files.slice(3), { photos: photoMap(files) })
    // By photo id, from the older action: the newer one stays the one Undo takes back.
    const one = await journal.restore({ photoIds: ['id-1'] })
    expect(one).toEqual({ actionIds: [first.actionId], restored: [files[1]], failed: [] })
    expect(existsSync(files[1]!)).toBe(true)
    expect(existsSync(files[0]!)).toBe(false)
    // By path, then the rest of the first action by its id: it becomes undone.
    expect((await journal.restore({ paths: [files[4]!] })).restored).toEqual([files[4]])
    expect((await journal.restore({ actionIds: [first.actionId!] })).restored.sort()).toEqual(
      [files[0]!, files[2]!].sort(),
    )
    const states = (await journal.actions()).map((a) => [a.id, a.state])
    expect(states).toEqual([
      [first.actionId, 'undone'],
      [second.actionId, 'done'],
    ])
    // Undo takes back what is left of the last action.
    expect((await journal.undoLast()).restored.sort()).toEqual([files[3]!, files[5]!].sort())
    await expectAllBack(before)
    // Nothing chosen, nothing done.
    expect(await journal.restore({ photoIds: ['id-1'] })).toEqual({ actionIds: [], restored: [], failed: [] })
  })

  it("records each file's photo, and keeps the action unsettled until the library confirms its rows", async () => {
    const files = await makePhotos(3)
    const seen: string[][] = []
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash })
    await journal.trashFiles(files, {
      photos: new Map([[files[0]!, { id: 'p0', status: 'ok' }]]),
      beforeMoves: async (action) => {
        // Called once the destinations are on disk, before any file moved.
        expect(files.every((f) => existsSync(f))).toBe(true)
        const onDisk = JSON.parse(await fs.readFile(path.join(library, JOURNAL_FILE), 'utf8'))
        expect(onDisk.actions[0]).toMatchObject({ state: 'trashing', rowsSettled: false })
        seen.push(action.items.map((i) => i.photoId ?? '-'))
      },
    })
    expect(seen).toEqual([['p0', '-', '-']])
    const [action] = await journal.actions()
    expect(action!.items[0]).toMatchObject({ photoId: 'p0', photoStatus: 'ok', state: 'moved' })
    expect(await journal.needsSettling()).toBe(true)
    await journal.markRowsSettled([action!.id])
    expect(await journal.needsSettling()).toBe(false)
    expect((await journal.actions())[0]!.rowsSettled).toBeUndefined()
    // An undo unsettles it again until the rows are back.
    await journal.undoLast()
    expect(await journal.needsSettling()).toBe(true)
  })

  it('drops an action that moved nothing only once its marked rows are settled', async () => {
    await fs.mkdir(photos, { recursive: true })
    const missing = path.join(photos, 'gone.jpg')
    const journal = new TrashJournal({ libraryDir: library, trashDir: trash })
    const result = await journal.trashFiles([missing], { photos: photoMap([missing]) })
    expect(result.moved).toEqual([])
    expect(await journal.actions()).toHaveLength(1) // its row was marked: kept until settled
    await journal.markRowsSettled([result.actionId!])
    expect(await journal.actions()).toEqual([])
  })

  it('a crash while restoring chosen files: recovery finishes them and the action stays undoable', async () => {
    const files = await makePhotos(4)
    const before = await snapshot(files)
    await new TrashJournal({ libraryDir: library, trashDir: trash }).trashFiles(files, {
      photos: photoMap(files),
    })
    const dying = new TrashJournal({
      libraryDir: library,
      trashDir: trash,
      hooks: { afterRestore: () => crash() },
    })
    await expect(dying.restore({ photoIds: ['id-0', 'id-2'] })).rejects.toThrow('simulated crash')
    const onDisk = JSON.parse(await fs.readFile(path.join(library, JOURNAL_FILE), 'utf8'))
    expect(onDisk.actions[0].items.map((i: { state: string }) => i.state)).toEqual([
      'restoring',
      'moved',
      'restoring',
      'moved',
    ])
    const restarted = new TrashJournal({ libraryDir: library, trashDir: trash })
    expect(await restarted.needsSettling()).toBe(true)
    expect((await restarted.recover()).actions[0]).toMatchObject({
      was: 'restoring',
      settled: 2,
      problems: [],
    })
    expect(files.map((f) => existsSync(f))).toEqual([true, false, true, false])
    const [action] = await restarted.actions()
    expect(action).toMatchObject({ state: 'done', rowsSettled: false })
    expect((await restarted.undoLast()).restored.sort()).toEqual([files[1]!, files[3]!].sort())
    await expectAllBack(before)
  })

  function crash(): never {
    throw new Error('simulated crash')
  }
})
