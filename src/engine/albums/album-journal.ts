/**
 * Where the albums live on disk: `<library>/db/albums/`, beside the LanceDB tables.
 *
 * - `journal.jsonl`: one JSON record per change, appended and fsynced before the change is acknowledged.
 *   A record counts only once its closing newline is on disk, so a crash (kill -9, power loss) while one is
 *   being written leaves the journal as it was before that change; the torn tail is cut off on the next open.
 * - `albums.json`: a snapshot of the whole state and the sequence number of the last record it includes,
 *   written atomically (temp file, fsync, rename) when the journal grows as large as the snapshot. The
 *   journal is emptied after it; a crash in between leaves records the snapshot already has, which are
 *   skipped by sequence number.
 * - `writer.lock`: one writer at a time (readers need no lock).
 */
import fs from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic, syncDir } from '../library/atomic-file.js'
import { acquireLibraryLock } from '../library/lock.js'
import { AlbumError } from './album-error.js'
import {
  AlbumState,
  InconsistentRecordError,
  albumRecordSchema,
  snapshotSchema,
  type AlbumRecord,
} from './album-state.js'

export const ALBUMS_FOLDER = 'albums'
export const SNAPSHOT_FILE = 'albums.json'
export const JOURNAL_FILE = 'journal.jsonl'
export const LOCK_FILE = 'writer.lock'

export interface JournalOptions {
  readOnly: boolean
  /** fsync every record before acknowledging it (default). Off only for throwaway stores. */
  sync: boolean
  /** The journal is folded into the snapshot once it is larger than this and than the snapshot. */
  compactAfterBytes: number
}

const seqSchema = z.object({ seq: z.number().int().positive() })
const NEWLINE = 0x0a

interface Loaded {
  state: AlbumState
  seq: number
  /** Bytes of the journal holding whole, valid records; anything after is a torn write. */
  goodBytes: number
  journalBytes: number
  snapshotBytes: number
  /** The journal starts with records the snapshot already includes (a crash during compaction). */
  stale: boolean
}

function damaged(file: string, what: string): AlbumError {
  return new AlbumError(
    `The album data in ${file} is damaged (${what}). Restore the folder from a backup, or import an export ` +
      `with \`tessera albums import\`.`,
    'damaged',
  )
}

async function statOrNull(file: string): Promise<Stats | null> {
  return fs.stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
}

async function readOrNull(file: string): Promise<Buffer | null> {
  return fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
}

function sameFile(a: Stats | null, b: Stats | null): boolean {
  if (!a || !b) return a === b
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs
}

/** Some snapshot + journal pair that replays without a gap; `null` when a compaction raced the read. */
async function readOnce(dir: string): Promise<Loaded | null> {
  const snapshotFile = path.join(dir, SNAPSHOT_FILE)
  const journalFile = path.join(dir, JOURNAL_FILE)
  const before = await statOrNull(snapshotFile)
  const snapshotBuf = await readOrNull(snapshotFile)
  const journal = (await readOrNull(journalFile)) ?? Buffer.alloc(0)
  if (!sameFile(before, await statOrNull(snapshotFile))) return null

  let state = new AlbumState()
  let snapSeq = 0
  if (snapshotBuf) {
    let raw: unknown
    try {
      raw = JSON.parse(snapshotBuf.toString('utf8'))
    } catch (error) {
      throw damaged(snapshotFile, `not valid JSON: ${(error as Error).message}`)
    }
    const parsed = snapshotSchema.safeParse(raw)
    if (!parsed.success) throw damaged(snapshotFile, z.prettifyError(parsed.error).replaceAll('\n', ' '))
    try {
      state = AlbumState.fromSnapshot(parsed.data)
    } catch (error) {
      if (error instanceof InconsistentRecordError) throw damaged(snapshotFile, error.message)
      throw error
    }
    snapSeq = parsed.data.seq
  }

  let seq = snapSeq
  let stale = false
  let goodBytes = 0
  let line = 0
  for (let start = 0; start < journal.length;) {
    const end = journal.indexOf(NEWLINE, start)
    if (end < 0) break // a torn write: the record never completed
    line++
    const text = journal.toString('utf8', start, end)
    start = end + 1
    if (text.trim() === '') {
      goodBytes = start
      continue
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      throw damaged(journalFile, `line ${line} is not valid JSON`)
    }
    const head = seqSchema.safeParse(raw)
    if (!head.success) throw damaged(journalFile, `line ${line} has no sequence number`)
    if (seq === snapSeq && head.data.seq <= snapSeq) {
      stale = true // already in the snapshot
      goodBytes = start
      continue
    }
    if (head.data.seq !== seq + 1) return null // a compaction emptied the journal after we read the snapshot
    const record = albumRecordSchema.safeParse(raw)
    if (!record.success)
      throw damaged(journalFile, `line ${line}: ${z.prettifyError(record.error).replaceAll('\n', ' ')}`)
    try {
      state.apply(record.data)
    } catch (error) {
      if (error instanceof InconsistentRecordError)
        throw damaged(journalFile, `line ${line}: ${error.message}`)
      throw error
    }
    seq = head.data.seq
    goodBytes = start
  }
  return {
    state,
    seq,
    goodBytes,
    journalBytes: journal.length,
    snapshotBytes: snapshotBuf?.length ?? 0,
    stale,
  }
}

async function load(dir: string): Promise<Loaded> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const loaded = await readOnce(dir)
    if (loaded) return loaded
    await new Promise((r) => setTimeout(r, 20 * (attempt + 1)))
  }
  throw damaged(path.join(dir, JOURNAL_FILE), 'records are missing between the snapshot and the journal')
}

/** Snapshot temp files a crash left behind (writeFileAtomic names them `<target>.<pid>.<random>.tmp`). */
async function removeTempFiles(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir))
    if (name.startsWith(`${SNAPSHOT_FILE}.`) && name.endsWith('.tmp'))
      await fs.rm(path.join(dir, name), { force: true })
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length;) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset)
    offset += bytesWritten
  }
}

/** The durable side of the album store: loads the state, appends records, folds them into snapshots. */
export class AlbumJournal {
  private broken = false
  private closed = false

  private constructor(
    readonly dir: string,
    private handle: FileHandle | null,
    private seq: number,
    private bytes: number,
    private snapshotBytes: number,
    private readonly options: JournalOptions,
    private readonly release: () => Promise<void>,
  ) {}

  static async open(
    dir: string,
    options: JournalOptions,
  ): Promise<{ journal: AlbumJournal; state: AlbumState }> {
    if (options.readOnly) {
      const loaded = await load(dir)
      const journal = new AlbumJournal(dir, null, loaded.seq, 0, 0, options, async () => {})
      return { journal, state: loaded.state }
    }
    await fs.mkdir(dir, { recursive: true })
    const release = await acquireLibraryLock(path.join(dir, LOCK_FILE))
    try {
      const loaded = await load(dir)
      const journalFile = path.join(dir, JOURNAL_FILE)
      const existed = (await statOrNull(journalFile)) !== null
      const handle = await fs.open(journalFile, 'a')
      const journal = new AlbumJournal(
        dir,
        handle,
        loaded.seq,
        loaded.goodBytes,
        loaded.snapshotBytes,
        options,
        release,
      )
      try {
        await removeTempFiles(dir)
        if (!existed) await syncDir(dir)
        if (loaded.goodBytes < loaded.journalBytes) {
          // Cut the torn tail a crash left, so the next record starts on a line of its own.
          await handle.truncate(loaded.goodBytes)
          await handle.sync()
        }
        // A crash came between writing a snapshot and emptying the journal: finish that compaction.
        if (loaded.stale) await journal.compact(loaded.state)
      } catch (error) {
        await handle.close()
        throw error
      }
      return { journal, state: loaded.state }
    } catch (error) {
      await release()
      throw error
    }
  }

  /** Makes one record durable. It is acknowledged (resolves) only once it would survive a crash. */
  async append(record: AlbumRecord): Promise<void> {
    const handle = await this.checked()
    const seq = this.seq + 1
    const data = Buffer.from(JSON.stringify({ seq, ...record }) + '\n', 'utf8')
    try {
      await writeAll(handle, data)
      if (this.options.sync) await handle.datasync()
    } catch (error) {
      let undone = true
      await handle.truncate(this.bytes).catch(() => {
        undone = false
        this.broken = true
      })
      throw new AlbumError(
        `Could not save the albums: ${(error as Error).message}. ` +
          (undone ? 'Nothing was changed.' : 'Close and reopen the library before trying again.'),
        'write-failed',
      )
    }
    this.seq = seq
    this.bytes += data.length
  }

  /** Folds the journal into a new snapshot when it has grown as large as the snapshot (amortized O(1)). */
  async maybeCompact(state: AlbumState): Promise<void> {
    if (this.bytes <= Math.max(this.options.compactAfterBytes, this.snapshotBytes)) return
    try {
      await this.compact(state)
    } catch {
      // The change itself is already durable in the journal; compaction is retried after the next one.
    }
  }

  /** Writes `state` (which must include every appended record) as the snapshot and empties the journal. */
  async compact(state: AlbumState): Promise<void> {
    const handle = await this.checked()
    const text = JSON.stringify(state.toSnapshot(this.seq))
    await writeFileAtomic(path.join(this.dir, SNAPSHOT_FILE), text)
    await handle.truncate(0)
    await handle.sync()
    this.bytes = 0
    this.snapshotBytes = Buffer.byteLength(text)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.handle?.close()
    this.handle = null
    await this.release()
  }

  /** Throws the reason changes are refused (closed, read-only, an earlier failed write), if any. */
  assertWritable(): void {
    this.writable()
  }

  /**
   * The handle, once sure nobody else wrote to the journal since we did: a second writer (which the lock
   * cannot see inside one process) would interleave records, so its work is refused rather than mixed.
   */
  private async checked(): Promise<FileHandle> {
    const handle = this.writable()
    const { size } = await handle.stat()
    if (size !== this.bytes) {
      this.broken = true
      throw new AlbumError(
        'The albums were changed by another writer (the same library open twice?). Close and reopen the library.',
        'write-failed',
      )
    }
    return handle
  }

  private writable(): FileHandle {
    if (this.closed) throw new AlbumError('The album store is closed.', 'closed')
    if (!this.handle) throw new AlbumError('The albums are open read-only.', 'read-only')
    if (this.broken)
      throw new AlbumError('Saving the albums failed earlier: close and reopen the library.', 'write-failed')
    return this.handle
  }
}
