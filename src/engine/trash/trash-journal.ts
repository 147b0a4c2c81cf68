/**
 * Moves photos to the OS trash (never a permanent delete) and puts them back, with a journal in the library
 * folder (`trash-journal.json`) so that the last action can be undone even after a restart, and so that a
 * crash at any moment loses no photo.
 *
 * An action goes through these states, each written atomically (writeFileAtomic) before the next step:
 * 1. `planning`: the files to move are recorded. Then each file's place in the trash is reserved (its
 *    .trashinfo created exclusively).
 * 2. `trashing`: every file's destination is recorded, BEFORE the first move. Files are then moved one by one
 *    (a rename; a copy, fsync and delete of the original only when the trash is on another device), and the
 *    journal is updated as they go (every 100 files or second) and at the end.
 * 3. `done`: what was moved and what was not (with the reason).
 * Undo: `undoing` is written before the first file goes back, `undone` after. A file goes back only to a free
 * place (a hard link, which fails if a file appeared there meanwhile, then the trash entry is removed).
 *
 * recover() (run at startup, and before any new action) settles an action a crash interrupted from what the
 * file system shows: a file still at its original path was not moved, a file in its recorded trash place
 * was. So every photo is always at its original path or in the trash with its journal entry. An interrupted
 * trash action is not resumed (nothing more is moved without the user asking): it becomes what it did, and
 * can be undone; an interrupted undo is finished (it only brings photos back).
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { readJsonIfExists, writeFileAtomic } from '../library/atomic-file.js'
import { TrashBins, escapeInfoPath, reserveName, type TrashBinOptions } from './trash-bin.js'

export const JOURNAL_FILE = 'trash-journal.json'
/** Actions kept in the journal (older ones are dropped: their files stay in the trash). */
const KEEP_ACTIONS = 50
const SAVE_EVERY_FILES = 100
const SAVE_EVERY_MS = 1000

const itemSchema = z.object({
  path: z.string(),
  trashPath: z.string().nullable(),
  infoPath: z.string().nullable(),
  size: z.number().nullable(),
  /**
   * planned: its place in the trash may be reserved, the move is not confirmed; moved: in the trash;
   * not-moved: at its original path (reason says why); restored: back at its original path after an undo;
   * kept: an undo could not put it back (reason says why; it is still in the trash at trashPath).
   */
  state: z.enum(['planned', 'moved', 'not-moved', 'restored', 'kept']),
  reason: z.string().optional(),
  via: z.enum(['rename', 'copy', 'recycle-bin']).optional(),
})

const actionSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  state: z.enum(['planning', 'trashing', 'done', 'undoing', 'undone']),
  items: z.array(itemSchema),
})

const journalSchema = z.object({ version: z.literal(1), actions: z.array(actionSchema) })

export type JournalItem = z.infer<typeof itemSchema>
export type JournalAction = z.infer<typeof actionSchema>
type Journal = z.infer<typeof journalSchema>

export interface TrashResult {
  /** Null when nothing was asked for. */
  actionId: string | null
  moved: Array<{ path: string; trashPath: string | null }>
  failed: Array<{ path: string; reason: string }>
}

export interface UndoResult {
  /** The action undone; null when there was nothing to undo. */
  actionId: string | null
  restored: string[]
  failed: Array<{ path: string; reason: string; trashPath: string | null }>
}

export interface RecoverResult {
  actions: Array<{
    actionId: string
    /** What the interrupted action was doing. */
    was: 'planning' | 'trashing' | 'undoing'
    /** Files found in the trash (trashing) or put back (undoing). */
    settled: number
    problems: Array<{ path: string; reason: string }>
  }>
}

/** Fault injection for tests: a hook that throws stops the action there, as a crash would. */
export interface TrashHooks {
  /** After every destination is in the journal, before the first move. */
  afterPlan?: () => void | Promise<void>
  /** After a file is moved to the trash, before the journal records it. */
  afterMove?: (originalPath: string) => void | Promise<void>
  /** After a file is put back, before the journal records it. */
  afterRestore?: (originalPath: string) => void | Promise<void>
  /** Replaces fs.rename for moves into the trash (e.g. to simulate another device with EXDEV). */
  rename?: (from: string, to: string) => Promise<void>
}

export interface TrashJournalOptions extends TrashBinOptions {
  /** The library folder; the journal is `<libraryDir>/trash-journal.json`. */
  libraryDir: string
  hooks?: TrashHooks
  now?: () => Date
}

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  switch (e?.code) {
    case 'ENOENT':
      return 'The file does not exist.'
    case 'EACCES':
    case 'EPERM':
      return 'Permission denied.'
    case 'EBUSY':
      return 'The file is in use.'
    case 'EROFS':
      return 'The file is on a read-only disk.'
    default:
      return e instanceof Error ? e.message : String(error)
  }
}

async function lstatOrNull(p: string) {
  try {
    return await fs.lstat(p)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

async function syncFile(p: string): Promise<void> {
  const handle = await fs.open(p, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fs.stat(a), fs.stat(b)])
  if (sa.dev === sb.dev && sa.ino === sb.ino) return true
  if (sa.size !== sb.size) return false
  const [ba, bb] = await Promise.all([fs.readFile(a), fs.readFile(b)])
  return ba.equals(bb)
}

/** Suffix of the temporary copy a cross-device move writes beside its destination. */
const PART = '.tessera-part'

function isNoLinkError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP'
}

/** Gives `from` the name `to` only if nothing has it: a hard link then an unlink, or (no links) a rename. */
async function placeNoClobber(from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to)
  } catch (error) {
    if (!isNoLinkError(error)) throw error
    // A file system without hard links (FAT, some network shares): check, then rename.
    if (await lstatOrNull(to)) throw Object.assign(new Error(`${to} exists.`), { code: 'EEXIST' })
    await fs.rename(from, to)
    return
  }
  await fs.unlink(from)
}

/**
 * Moves `from` to `to` across devices: a copy beside `to` (`to` + PART), made durable and given the
 * original's times, then put at `to` (never over a file), and only then is `from` deleted. A crash leaves
 * `from` intact, with at most a PART file or a complete copy at `to`.
 */
async function copyThenDelete(from: string, to: string): Promise<void> {
  const part = `${to}${PART}`
  const before = await fs.stat(from)
  await fs.rm(part, { force: true })
  try {
    await fs.copyFile(from, part)
    await syncFile(part)
    const after = await fs.stat(part)
    if (after.size !== before.size) throw new Error(`The copy to ${to} is incomplete.`)
    await fs.utimes(part, before.atime, before.mtime)
    await placeNoClobber(part, to)
  } catch (error) {
    await fs.rm(part, { force: true })
    throw error
  }
  await fs.unlink(from)
}

/** Puts `from` at `to` only if nothing is there: a hard link then an unlink, else a no-clobber copy. */
async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EXDEV' || isNoLinkError(error)) {
      await copyThenDelete(from, to)
      return
    }
    throw error
  }
  await fs.unlink(from)
}

/** The move-to-trash journal of one library. All its methods run one at a time. */
export class TrashJournal {
  readonly file: string
  private readonly bins: TrashBins
  private readonly platform: NodeJS.Platform
  private journal: Journal | null = null
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly opts: TrashJournalOptions) {
    this.file = path.join(opts.libraryDir, JOURNAL_FILE)
    this.bins = new TrashBins(opts)
    this.platform = opts.platform ?? process.platform
  }

  /** Moves files to the trash. Per file: moved, or failed with a plain-language reason. */
  trashFiles(paths: readonly string[]): Promise<TrashResult> {
    return this.serial(() => this.doTrash(paths))
  }

  /** Puts back every file of the last action not yet undone. */
  undoLast(): Promise<UndoResult> {
    return this.serial(() => this.doUndo())
  }

  /** Settles actions a crash interrupted; call at startup. */
  recover(): Promise<RecoverResult> {
    return this.serial(() => this.doRecover())
  }

  /** The recorded actions, oldest first (a copy). */
  actions(): Promise<JournalAction[]> {
    return this.serial(async () => structuredClone((await this.load()).actions))
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async load(): Promise<Journal> {
    if (this.journal) return this.journal
    let raw: unknown
    try {
      raw = await readJsonIfExists(this.file)
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error
      raw = null
    }
    if (raw === undefined) {
      this.journal = { version: 1, actions: [] }
      return this.journal
    }
    const parsed = journalSchema.safeParse(raw)
    if (!parsed.success) {
      // Never overwrite a journal we cannot read: it is the record of where trashed photos went.
      throw new Error(`The trash journal ${this.file} is damaged; move it away to start a new one.`)
    }
    this.journal = parsed.data
    return this.journal
  }

  private async save(): Promise<void> {
    const journal = await this.load()
    if (journal.actions.length > KEEP_ACTIONS)
      journal.actions.splice(0, journal.actions.length - KEEP_ACTIONS)
    await writeFileAtomic(this.file, `${JSON.stringify(journal, null, 1)}\n`)
  }

  private async doTrash(paths: readonly string[]): Promise<TrashResult> {
    const journal = await this.load()
    if (journal.actions.some((a) => a.state !== 'done' && a.state !== 'undone')) await this.doRecover()
    const unique = [...new Set(paths.map((p) => path.resolve(p)))]
    if (unique.length === 0) return { actionId: null, moved: [], failed: [] }
    const now = this.opts.now?.() ?? new Date()
    const action: JournalAction = {
      id: `${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
      createdAt: now.toISOString(),
      state: 'planning',
      items: unique.map((p) => ({ path: p, trashPath: null, infoPath: null, size: null, state: 'planned' })),
    }
    journal.actions.push(action)
    await this.save()

    const recycleBin = this.platform === 'win32' && !this.opts.trashDir
    for (const item of action.items) {
      try {
        const st = await fs.lstat(item.path)
        if (!st.isFile()) throw new Error('This is not a regular file.')
        item.size = st.size
        if (recycleBin) continue
        const bin = await this.bins.forFile(item.path)
        const reserved = await reserveName(bin, item.path, now)
        item.trashPath = reserved.trashPath
        item.infoPath = reserved.infoPath
      } catch (error) {
        item.state = 'not-moved'
        item.reason = errorText(error)
      }
    }
    action.state = 'trashing'
    await this.save() // every destination is on disk before the first move
    await this.opts.hooks?.afterPlan?.()

    const rename = this.opts.hooks?.rename ?? fs.rename
    let unsaved = 0
    let savedAt = Date.now()
    for (const item of action.items) {
      if (item.state !== 'planned') continue
      try {
        if (recycleBin) {
          await moveToRecycleBin(item.path)
          item.via = 'recycle-bin'
        } else {
          try {
            await rename(item.path, item.trashPath!)
            item.via = 'rename'
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
            await copyThenDelete(item.path, item.trashPath!)
            item.via = 'copy'
          }
        }
        item.state = 'moved'
      } catch (error) {
        item.state = 'not-moved'
        item.reason = errorText(error)
        if (item.infoPath) await fs.rm(item.infoPath, { force: true })
      }
      await this.opts.hooks?.afterMove?.(item.path)
      unsaved++
      if (unsaved >= SAVE_EVERY_FILES || Date.now() - savedAt >= SAVE_EVERY_MS) {
        await this.save()
        unsaved = 0
        savedAt = Date.now()
      }
    }
    action.state = 'done'
    if (!action.items.some((i) => i.state === 'moved'))
      journal.actions.splice(journal.actions.indexOf(action), 1)
    await this.save()
    return {
      actionId: action.id,
      moved: action.items
        .filter((i) => i.state === 'moved')
        .map((i) => ({ path: i.path, trashPath: i.trashPath })),
      failed: action.items
        .filter((i) => i.state === 'not-moved')
        .map((i) => ({ path: i.path, reason: i.reason ?? 'Not moved.' })),
    }
  }

  private async doUndo(): Promise<UndoResult> {
    const journal = await this.load()
    if (journal.actions.some((a) => a.state !== 'done' && a.state !== 'undone')) await this.doRecover()
    const action = [...journal.actions].reverse().find((a) => a.state === 'done')
    if (!action) return { actionId: null, restored: [], failed: [] }
    action.state = 'undoing'
    await this.save()
    const restored: string[] = []
    const failed: UndoResult['failed'] = []
    for (const item of action.items) {
      if (item.state !== 'moved') continue
      try {
        await this.restore(item)
        item.state = 'restored'
        restored.push(item.path)
      } catch (error) {
        item.state = 'kept'
        item.reason = errorText(error)
        failed.push({ path: item.path, reason: item.reason, trashPath: item.trashPath })
      }
      await this.opts.hooks?.afterRestore?.(item.path)
    }
    action.state = 'undone'
    await this.save()
    return { actionId: action.id, restored, failed }
  }

  private async restore(item: JournalItem): Promise<void> {
    if (!item.trashPath) throw new Error('Restore it from the Recycle Bin.')
    if (await lstatOrNull(item.path))
      throw new Error(`A file is already at ${item.path}; the trashed one stays at ${item.trashPath}.`)
    if (!(await lstatOrNull(item.trashPath)))
      throw new Error(`It is no longer in the trash (${item.trashPath}); was the trash emptied?`)
    await fs.mkdir(path.dirname(item.path), { recursive: true })
    try {
      await moveNoClobber(item.trashPath, item.path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new Error(`A file is already at ${item.path}; the trashed one stays at ${item.trashPath}.`, {
          cause: error,
        })
      throw error
    }
    if (item.infoPath) await fs.rm(item.infoPath, { force: true })
  }

  private async doRecover(): Promise<RecoverResult> {
    const journal = await this.load()
    const out: RecoverResult = { actions: [] }
    for (const action of [...journal.actions]) {
      if (action.state === 'done' || action.state === 'undone') continue
      const was = action.state
      const problems: Array<{ path: string; reason: string }> = []
      let settled = 0
      if (was === 'planning') {
        // Nothing was moved yet; only reserved places in the trash may be left.
        for (const item of action.items) await this.dropReservation(item)
        journal.actions.splice(journal.actions.indexOf(action), 1)
      } else if (was === 'trashing') {
        for (const item of action.items) {
          if (item.state === 'planned') await this.settleMove(item)
          if (item.state === 'moved') settled++
          if (item.reason && item.state === 'moved') problems.push({ path: item.path, reason: item.reason })
        }
        action.state = 'done'
        if (settled === 0) journal.actions.splice(journal.actions.indexOf(action), 1)
      } else {
        for (const item of action.items) {
          if (item.state !== 'moved') continue
          await this.settleRestore(item)
          if ((item.state as JournalItem['state']) === 'restored') settled++
          else problems.push({ path: item.path, reason: item.reason ?? 'Not restored.' })
        }
        action.state = 'undone'
      }
      out.actions.push({ actionId: action.id, was, settled, problems })
    }
    if (out.actions.length > 0) await this.save()
    return out
  }

  /** A file whose move was not confirmed: where is it? */
  private async settleMove(item: JournalItem): Promise<void> {
    if (item.trashPath) await fs.rm(`${item.trashPath}${PART}`, { force: true })
    const atOriginal = await lstatOrNull(item.path)
    if (!item.trashPath) {
      // The Recycle Bin: gone from its place means it is there.
      item.state = atOriginal ? 'not-moved' : 'moved'
      if (atOriginal) item.reason = 'Interrupted before it was moved.'
      else item.via = 'recycle-bin'
      return
    }
    const inTrash = item.trashPath ? await lstatOrNull(item.trashPath) : null
    if (atOriginal && !inTrash) {
      item.state = 'not-moved'
      item.reason = 'Interrupted before it was moved.'
      if (item.infoPath) await fs.rm(item.infoPath, { force: true })
    } else if (!atOriginal && inTrash) {
      item.state = 'moved'
    } else if (atOriginal && inTrash) {
      // A copy to another device was complete but its original not yet deleted: the original is intact.
      if (await sameContent(item.path, item.trashPath!)) {
        await fs.rm(item.trashPath!, { force: true })
        if (item.infoPath) await fs.rm(item.infoPath, { force: true })
        item.state = 'not-moved'
        item.reason = 'Interrupted before it was moved.'
      } else {
        // Both are kept: a different file now sits at the original path.
        item.state = 'moved'
        item.reason = `A different file is now at the original path; the trashed one is at ${item.trashPath}.`
      }
    } else {
      item.state = 'not-moved'
      item.reason =
        'Neither at its original path nor in the trash: it was moved or deleted by another program.'
      if (item.infoPath) await fs.rm(item.infoPath, { force: true })
    }
  }

  /** A file an interrupted undo was putting back: finish the undo. */
  private async settleRestore(item: JournalItem): Promise<void> {
    await fs.rm(`${item.path}${PART}`, { force: true })
    const atOriginal = await lstatOrNull(item.path)
    const inTrash = item.trashPath ? await lstatOrNull(item.trashPath) : null
    if (atOriginal && inTrash) {
      if (await sameContent(item.path, item.trashPath!)) {
        // Linked back, not yet unlinked from the trash.
        await fs.rm(item.trashPath!, { force: true })
        if (item.infoPath) await fs.rm(item.infoPath, { force: true })
        item.state = 'restored'
      } else {
        item.state = 'kept'
        item.reason = `A file is already at ${item.path}; the trashed one stays at ${item.trashPath}.`
      }
      return
    }
    if (atOriginal) {
      if (item.infoPath) await fs.rm(item.infoPath, { force: true })
      item.state = 'restored'
      return
    }
    try {
      await this.restore(item)
      item.state = 'restored'
    } catch (error) {
      item.state = 'kept'
      item.reason = errorText(error)
    }
  }

  /** Removes .trashinfo files reserved for a file that was never moved (an interrupted plan). */
  private async dropReservation(item: JournalItem): Promise<void> {
    if (item.infoPath) {
      if (!(item.trashPath && (await lstatOrNull(item.trashPath))))
        await fs.rm(item.infoPath, { force: true })
      return
    }
    // The plan was interrupted before destinations were written: look for our reservations by their Path=.
    let bin
    try {
      bin = await this.bins.forFile(item.path)
    } catch {
      return
    }
    if (!bin.info) return
    const wanted = `Path=${escapeInfoPath(bin.topDir ? path.relative(bin.topDir, item.path) : item.path)}`
    const base = path.basename(item.path, path.extname(item.path))
    const names = await fs.readdir(bin.info).catch(() => [] as string[])
    for (const name of names) {
      if (!name.endsWith('.trashinfo') || !name.startsWith(base)) continue
      const infoPath = path.join(bin.info, name)
      const text = await fs.readFile(infoPath, 'utf8').catch(() => '')
      if (!text.split('\n').includes(wanted)) continue
      if (await lstatOrNull(path.join(bin.files, name.slice(0, -'.trashinfo'.length)))) continue
      await fs.rm(infoPath, { force: true })
    }
  }
}

/** Windows: the Recycle Bin through the `trash` package, when it is installed. */
async function moveToRecycleBin(file: string): Promise<void> {
  const name = 'trash'
  let mod: { default: (paths: string[]) => Promise<void> }
  try {
    mod = (await import(name)) as typeof mod
  } catch {
    throw new Error('Moving to the Recycle Bin needs the "trash" package, which is not installed.')
  }
  await mod.default([file])
}
