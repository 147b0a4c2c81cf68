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
 * Restoring some files (the Trash view: one photo, one batch) marks them `restoring` before the first goes
 * back; the action stays undoable for the others and becomes `undone` when none is left in the trash.
 *
 * recover() (run at startup, and before any new action) settles an action a crash interrupted from what the
 * file system shows: a file still at its original path was not moved, a file in its recorded trash place
 * was. So every photo is always at its original path or in the trash with its journal entry. An interrupted
 * trash action is not resumed (nothing more is moved without the user asking): it becomes what it did, and
 * can be undone; an interrupted undo or restore is finished (it only brings photos back).
 *
 * The library's rows follow the files: each item names its photo (`photoId`, and the status it had), and an
 * action whose rows may not match its files yet has `rowsSettled: false` — from its plan until the library
 * confirms (markRowsSettled), and again whenever recover() settles it. The library reconciles its rows from
 * such actions (DuplicatesService.settle) at start-up and before every scan, so a crash at any instant
 * leaves no photo forgotten: a row is never removed because its file is in the trash.
 *
 * Failpoints (TESSERA_FAILPOINT, see library/failpoint.ts) kill the process at each step for the crash
 * tests: trash:after-journal, trash:after-move (#n), trash:after-all-moved, trash:after-done,
 * undo:after-journal, undo:after-restore (#n), undo:after-done, restore:after-journal, restore:after-file
 * (#n), restore:after-done.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { readJsonIfExists, writeFileAtomic } from '../library/atomic-file.js'
import { failpoint } from '../library/failpoint.js'
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
   * kept: an undo could not put it back (reason says why; it is still in the trash at trashPath);
   * restoring: a restore of this file alone (not the whole action) was asked for and is not confirmed.
   */
  state: z.enum(['planned', 'moved', 'not-moved', 'restored', 'kept', 'restoring']),
  reason: z.string().optional(),
  via: z.enum(['rename', 'copy', 'recycle-bin']).optional(),
  /** The library photo of this file, and its status before the move (absent: not a library photo). */
  photoId: z.string().optional(),
  photoStatus: z.enum(['ok', 'failed']).optional(),
})

const actionSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  state: z.enum(['planning', 'trashing', 'done', 'undoing', 'undone']),
  items: z.array(itemSchema),
  /** false: the library's rows may not match these files yet (absent: they do, or there are none). */
  rowsSettled: z.boolean().optional(),
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

export interface RestoreResult {
  /** The actions some files were restored from. */
  actionIds: string[]
  restored: string[]
  failed: Array<{ path: string; reason: string; trashPath: string | null }>
}

/** Which files to put back: every file of these photos, of these paths, and of these actions. */
export interface RestoreSelection {
  photoIds?: readonly string[]
  paths?: readonly string[]
  actionIds?: readonly string[]
}

/** Options of one move to the trash, for the library that keeps rows for the files. */
export interface TrashFilesOptions {
  /** The library photo of each (resolved) path and its status: recorded with the item, before any move. */
  photos?: ReadonlyMap<string, { id: string; status: 'ok' | 'failed' }>
  /** Runs once every destination is in the journal, before the first move (the library marks its rows). */
  beforeMoves?: (action: JournalAction) => Promise<void>
}

export interface RecoverResult {
  actions: Array<{
    actionId: string
    /** What the interrupted action was doing ('restoring': some of its files were being put back). */
    was: 'planning' | 'trashing' | 'undoing' | 'restoring'
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
  trashFiles(paths: readonly string[], options: TrashFilesOptions = {}): Promise<TrashResult> {
    return this.serial(() => this.doTrash(paths, options))
  }

  /** Puts back every file of the last action not yet undone. */
  undoLast(): Promise<UndoResult> {
    return this.serial(() => this.doUndo())
  }

  /** Puts back chosen files still in the trash (by photo, path or action), from any recorded action. */
  restore(selection: RestoreSelection): Promise<RestoreResult> {
    return this.serial(() => this.doRestore(selection))
  }

  /** Whether an action needs recover() or its rows reconciled (cheap: the journal is kept in memory). */
  needsSettling(): Promise<boolean> {
    return this.serial(async () => (await this.load()).actions.some(needsSettling))
  }

  /**
   * The library's rows now match these actions' files: records it, and drops an action that moved
   * nothing (its rows were only marked for a moment).
   */
  markRowsSettled(actionIds: readonly string[]): Promise<void> {
    return this.serial(async () => {
      const journal = await this.load()
      const wanted = new Set(actionIds)
      let changed = false
      for (const action of [...journal.actions]) {
        if (!wanted.has(action.id) || action.rowsSettled !== false) continue
        if (action.state !== 'done' && action.state !== 'undone') continue // recover() first
        if (action.items.some((i) => i.state === 'restoring')) continue
        delete action.rowsSettled
        if (!action.items.some((i) => i.state !== 'not-moved' && i.state !== 'planned'))
          journal.actions.splice(journal.actions.indexOf(action), 1)
        changed = true
      }
      if (changed) await this.save()
    })
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

  private async doTrash(paths: readonly string[], options: TrashFilesOptions): Promise<TrashResult> {
    const journal = await this.load()
    if (journal.actions.some(needsRecovery)) await this.doRecover()
    const unique = [...new Set(paths.map((p) => path.resolve(p)))]
    if (unique.length === 0) return { actionId: null, moved: [], failed: [] }
    const now = this.opts.now?.() ?? new Date()
    const action: JournalAction = {
      id: `${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
      createdAt: now.toISOString(),
      state: 'planning',
      items: unique.map((p) => {
        const photo = options.photos?.get(p)
        const item: JournalItem = { path: p, trashPath: null, infoPath: null, size: null, state: 'planned' }
        if (photo) Object.assign(item, { photoId: photo.id, photoStatus: photo.status })
        return item
      }),
    }
    if (options.photos) action.rowsSettled = false
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
    failpoint('trash:after-journal')
    await this.opts.hooks?.afterPlan?.()
    await options.beforeMoves?.(structuredClone(action))

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
      failpoint('trash:after-move')
      await this.opts.hooks?.afterMove?.(item.path)
      unsaved++
      if (unsaved >= SAVE_EVERY_FILES || Date.now() - savedAt >= SAVE_EVERY_MS) {
        await this.save()
        unsaved = 0
        savedAt = Date.now()
      }
    }
    failpoint('trash:after-all-moved')
    action.state = 'done'
    // Nothing moved: nothing to undo (with rows to settle, markRowsSettled drops it once they are).
    if (!action.items.some((i) => i.state === 'moved') && action.rowsSettled !== false)
      journal.actions.splice(journal.actions.indexOf(action), 1)
    await this.save()
    failpoint('trash:after-done')
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
    if (journal.actions.some(needsRecovery)) await this.doRecover()
    const action = [...journal.actions].reverse().find((a) => a.state === 'done')
    if (!action) return { actionId: null, restored: [], failed: [] }
    action.state = 'undoing'
    action.rowsSettled = false
    await this.save()
    failpoint('undo:after-journal')
    const { restored, failed } = await this.putBackAll(
      action.items.filter((item) => item.state === 'moved'),
      'undo:after-restore',
    )
    action.state = 'undone'
    await this.save()
    failpoint('undo:after-done')
    return { actionId: action.id, restored, failed }
  }

  /**
   * Puts files back one by one (undo and restore alike): each is marked restored, or kept in the trash with
   * the reason; the failpoint fires after each file, then the afterRestore hook.
   */
  private async putBackAll(
    items: JournalItem[],
    point: string,
  ): Promise<{ restored: string[]; failed: RestoreResult['failed'] }> {
    const restored: string[] = []
    const failed: RestoreResult['failed'] = []
    for (const item of items) {
      try {
        await this.putBack(item)
        item.state = 'restored'
        restored.push(item.path)
      } catch (error) {
        item.state = 'kept'
        item.reason = errorText(error)
        failed.push({ path: item.path, reason: item.reason, trashPath: item.trashPath })
      }
      failpoint(point)
      await this.opts.hooks?.afterRestore?.(item.path)
    }
    return { restored, failed }
  }

  private async doRestore(selection: RestoreSelection): Promise<RestoreResult> {
    const journal = await this.load()
    if (journal.actions.some(needsRecovery)) await this.doRecover()
    const ids = new Set(selection.photoIds ?? [])
    const paths = new Set((selection.paths ?? []).map((p) => path.resolve(p)))
    const actionIds = new Set(selection.actionIds ?? [])
    const chosen: Array<{ action: JournalAction; item: JournalItem }> = []
    for (const action of journal.actions) {
      if (action.state !== 'done') continue
      for (const item of action.items) {
        if (item.state !== 'moved') continue
        const wanted =
          actionIds.has(action.id) ||
          paths.has(item.path) ||
          (item.photoId !== undefined && ids.has(item.photoId))
        if (wanted) chosen.push({ action, item })
      }
    }
    const touched = [...new Set(chosen.map((c) => c.action))]
    if (chosen.length === 0) return { actionIds: [], restored: [], failed: [] }
    for (const { item } of chosen) item.state = 'restoring'
    for (const action of touched) action.rowsSettled = false
    await this.save() // what is being restored is on disk before the first file goes back
    failpoint('restore:after-journal')
    const { restored, failed } = await this.putBackAll(
      chosen.map((c) => c.item),
      'restore:after-file',
    )
    for (const action of touched) finishIfEmpty(action)
    await this.save()
    failpoint('restore:after-done')
    return { actionIds: touched.map((a) => a.id), restored, failed }
  }

  private async putBack(item: JournalItem): Promise<void> {
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
      if (!needsRecovery(action)) continue
      const was = action.state === 'done' ? 'restoring' : action.state
      if (was === 'undone') continue // (an undone action has no file being restored)
      const problems: Array<{ path: string; reason: string }> = []
      let settled = 0
      // The rows of what recovery settles are reconciled by the library (settle) before its next scan.
      action.rowsSettled = false
      if (was === 'restoring') {
        for (const item of action.items) {
          if (item.state !== 'restoring') continue
          await this.settleRestore(item)
          if ((item.state as JournalItem['state']) === 'restored') settled++
          else problems.push({ path: item.path, reason: item.reason ?? 'Not restored.' })
        }
        finishIfEmpty(action)
      } else if (was === 'planning') {
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
        // Nothing moved: nothing to undo. Kept while rows were marked (markRowsSettled drops it).
        if (settled === 0 && !action.items.some((i) => i.photoId !== undefined))
          journal.actions.splice(journal.actions.indexOf(action), 1)
      } else {
        for (const item of action.items) {
          if (item.state !== 'moved' && item.state !== 'restoring') continue
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
      await this.putBack(item)
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

/** An action a crash interrupted: a step is half done on disk. */
function needsRecovery(action: JournalAction): boolean {
  if (action.state === 'done') return action.items.some((i) => i.state === 'restoring')
  return action.state !== 'undone'
}

function needsSettling(action: JournalAction): boolean {
  return needsRecovery(action) || action.rowsSettled === false
}

/** An action whose every file is back (or could not be put back) is undone. */
function finishIfEmpty(action: JournalAction): void {
  if (action.state === 'done' && !action.items.some((i) => i.state === 'moved' || i.state === 'restoring'))
    action.state = 'undone'
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
