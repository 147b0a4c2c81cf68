/**
 * One writer per library: a lock file that names its holder and cannot strand the library or be stolen.
 *
 * - **Atomic create.** The record is written in full to a temporary file and hard-linked to the lock's
 *   name (link fails if the name exists), so the lock file is never empty or half written. File systems
 *   without hard links fall back to an exclusive create (O_EXCL).
 * - **Holder identity.** The record names the holder's pid, host, boot id (/proc/sys/kernel/random/boot_id)
 *   and the process's start time (/proc/PID/stat). On the same host a holder is alive only if that pid runs
 *   *and* started at that time, so a pid reused after a reboot or in another container does not keep the
 *   library locked; a record from an earlier boot is stale outright.
 * - **Heartbeat.** The holder touches the file every `heartbeatMs`. Where its identity cannot be checked
 *   (another host on a shared folder, a system without /proc) it counts as gone once the file is older
 *   than `staleMs`.
 * - **Safe takeover.** A stale lock is replaced by renaming a complete new record over it (no moment
 *   without a valid file), and only by the one taker that created the claim file named after that stale
 *   record (exclusive create). Another taker finds the claim taken, or the lock changed, and looks again:
 *   it sees the winner's fresh lock. Nobody ever deletes a lock but its holder.
 * - Anything in the file that is not a lock record (`echo 1 > library.lock`, a lock of an older version
 *   that held only a pid) is taken over at once; an empty file or the start of a record (one being
 *   written where hard links are missing) once it is `invalidGraceMs` old.
 */
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'

export class LibraryBusyError extends Error {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
    readonly host: string = os.hostname(),
  ) {
    super(
      host === os.hostname()
        ? `The library is in use by another Tessera process (pid ${pid}). Close it first, or wait until it finishes.`
        : `The library is in use by Tessera on ${host} (pid ${pid}). Close it there first, or wait until it finishes.`,
    )
  }
}

/** What the lock file holds (JSON). */
export interface LockRecord {
  app: 'tessera-lock'
  version: 1
  /** Unique to this acquisition: who holds the lock now, and the name of its takeover claim. */
  token: string
  pid: number
  host: string
  /** The kernel's boot id (Linux), null elsewhere. */
  bootId: string | null
  /** The process's start time in clock ticks after boot (Linux /proc/PID/stat), null elsewhere. */
  startTime: string | null
  since: string
}

export interface LockOptions {
  /** How often the holder touches the lock (default 10 s). */
  heartbeatMs?: number
  /** A holder whose identity cannot be checked is gone once its heartbeat is this old (default 60 s). */
  staleMs?: number
  /** An empty or half-written lock file is taken over once it is this old (default 2 s). */
  invalidGraceMs?: number
  /** How long to keep looking while a takeover by someone else or a fresh unreadable file settles (5 s). */
  waitMs?: number
  /** Test hook: called after a lock was judged stale, before taking it over (used to make takers race). */
  beforeTakeover?: (key: string) => Promise<void>
  /** Called if the lock was taken from us (our heartbeat stopped for longer than `staleMs`). */
  onLost?: () => void
}

const DEFAULTS = { heartbeatMs: 10_000, staleMs: 60_000, invalidGraceMs: 2000, waitMs: 5000 }

let cachedBootId: string | null | undefined

function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
    } catch {
      cachedBootId = null
    }
  }
  return cachedBootId
}

/** Fields of /proc/PID/stat after the command name: [0] is the state, [19] the start time. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** A process's start time (field 22 of /proc/PID/stat, ticks after boot), or null where unknown. */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The record naming process `pid` on this host as a holder (tests use it to stand for another process). */
export function lockRecordFor(pid: number, token: string = randomUUID()): LockRecord {
  return {
    app: 'tessera-lock',
    version: 1,
    token,
    pid,
    host: os.hostname(),
    bootId: bootId(),
    startTime: processStartTime(pid),
    since: new Date().toISOString(),
  }
}

function parseRecord(text: string): LockRecord | null {
  try {
    const r = JSON.parse(text) as Partial<LockRecord> | null
    if (
      r?.app === 'tessera-lock' &&
      typeof r.token === 'string' &&
      /^[\w-]{8,64}$/.test(r.token) &&
      Number.isInteger(r.pid) &&
      typeof r.host === 'string'
    )
      return {
        app: 'tessera-lock',
        version: 1,
        token: r.token,
        pid: r.pid!,
        host: r.host,
        bootId: typeof r.bootId === 'string' ? r.bootId : null,
        startTime: typeof r.startTime === 'string' ? r.startTime : null,
        since: typeof r.since === 'string' ? r.since : '',
      }
  } catch {
    // not JSON: not a lock record
  }
  return null
}

/** How every record begins (JSON.stringify keeps the key order of `lockRecordFor`). */
const RECORD_START = '{"app":"tessera-lock"'

type Seen =
  | { kind: 'absent' }
  | { kind: 'record'; record: LockRecord; key: string; ageMs: number }
  | { kind: 'invalid'; key: string; ageMs: number; partial: boolean }

/** What the file at `file` is now; `key` names this very version of it (a record's token, else its bytes). */
async function look(file: string): Promise<Seen> {
  let text: string
  let st
  try {
    st = await fs.stat(file)
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' }
    throw error
  }
  const ageMs = Date.now() - st.mtimeMs
  const record = parseRecord(text)
  if (record) return { kind: 'record', record, key: record.token, ageMs }
  const digest = createHash('sha256').update(`${st.ino}:${st.mtimeMs}:${text}`).digest('hex').slice(0, 32)
  // Empty, or the start of a record: maybe one being written (only where hard links are missing).
  const partial = text.length === 0 || RECORD_START.startsWith(text.slice(0, RECORD_START.length))
  return { kind: 'invalid', key: `x${digest}`, ageMs, partial }
}

type Verdict = 'live' | 'stale' | 'wait'

/** Whether the holder a record names still holds the lock. */
function judge(seen: Exclude<Seen, { kind: 'absent' }>, o: typeof DEFAULTS): Verdict {
  if (seen.kind === 'invalid') return !seen.partial || seen.ageMs > o.invalidGraceMs ? 'stale' : 'wait'
  const r = seen.record
  if (r.host === os.hostname()) {
    const boot = bootId()
    if (boot && r.bootId && boot !== r.bootId) return 'stale' // from before the last restart
    // A zombie (dead, not yet reaped by its parent) holds nothing either.
    if (!isAlive(r.pid) || ['Z', 'X', 'x'].includes(procStat(r.pid)?.[0] ?? '')) return 'stale'
    const started = processStartTime(r.pid)
    if (started !== null && r.startTime !== null) {
      if (started !== r.startTime) return 'stale' // the pid was reused
      // This very process opened the library before and did not close it: the newer open takes over, as
      // the pid lock always allowed (the older one's heartbeat notices, and its release leaves ours).
      return r.pid === process.pid ? 'stale' : 'live'
    }
  }
  // Identity cannot be checked here: the heartbeat decides.
  return seen.ageMs > o.staleMs ? 'stale' : 'live'
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'])

/** Creates `file` holding `content` if nothing is there: true when created, false when it existed. */
async function createExclusive(file: string, content: string, token: string): Promise<boolean> {
  const tmp = `${file}.${token}.tmp`
  const handle = await fs.open(tmp, 'wx')
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await fs.link(tmp, file)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (!code || !NO_HARD_LINKS.has(code)) throw error
  } finally {
    await fs.rm(tmp, { force: true })
  }
  // No hard links here (FAT, some network shares): O_EXCL. The file may be empty for an instant; readers
  // wait `invalidGraceMs` before they take over a file that is not a record.
  let handle2
  try {
    handle2 = await fs.open(file, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle2.writeFile(content)
    await handle2.sync()
  } finally {
    await handle2.close()
  }
  return true
}

const claimName = (file: string, key: string, n: number) => `${file}.takeover-${key}-${n}`

/**
 * Replaces the stale version `key` of the lock with `record`, if this process is the one taker of that
 * version. 'won': the lock is ours; 'lost': someone else took it over or it changed, look again.
 */
async function takeOver(
  file: string,
  key: string,
  record: LockRecord,
  o: typeof DEFAULTS,
): Promise<'won' | 'lost'> {
  const content = JSON.stringify(record)
  // Claims are numbered: a claim whose taker died before finishing is passed by creating the next one.
  let n = 1
  for (; ; n++) {
    if (await createExclusive(claimName(file, key, n), content, `${record.token}-c${n}`)) break
    const claim = await look(claimName(file, key, n))
    if (claim.kind === 'absent') return 'lost' // cleaned up: that takeover is finished
    if (judge(claim, { ...o, staleMs: Math.min(o.staleMs, 10_000) }) !== 'stale') return 'lost'
  }
  const now = await look(file)
  if (now.kind === 'absent' || now.key !== key) {
    await fs.rm(claimName(file, key, n), { force: true })
    return 'lost'
  }
  const tmp = `${file}.${record.token}.tmp`
  await fs.writeFile(tmp, content, { flag: 'wx' })
  const handle = await fs.open(tmp, 'r+')
  await handle.sync().finally(() => handle.close())
  await fs.rename(tmp, file)
  // This version of the lock is gone for good: its claims can go (nobody can use them any more).
  for (let i = 1; i <= n; i++) await fs.rm(claimName(file, key, i), { force: true })
  return 'won'
}

/**
 * Takes the library's writer lock, or throws LibraryBusyError naming the live holder. Resolves to the
 * function that releases it. A lock left by a process that died (a crash, kill -9, a reboot) is taken over.
 */
export async function acquireLibraryLock(
  lockFile: string,
  options: LockOptions = {},
): Promise<() => Promise<void>> {
  const o = {
    heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
    staleMs: options.staleMs ?? DEFAULTS.staleMs,
    invalidGraceMs: options.invalidGraceMs ?? DEFAULTS.invalidGraceMs,
    waitMs: options.waitMs ?? DEFAULTS.waitMs,
  }
  const record = lockRecordFor(process.pid)
  const until = Date.now() + o.waitMs
  for (;;) {
    if (await createExclusive(lockFile, JSON.stringify(record), record.token))
      return hold(lockFile, record, o, options.onLost)
    const seen = await look(lockFile)
    if (seen.kind === 'absent') continue // released meanwhile
    const verdict = judge(seen, o)
    if (verdict === 'live' && seen.kind === 'record')
      throw new LibraryBusyError(lockFile, seen.record.pid, seen.record.host)
    if (verdict === 'stale') {
      await options.beforeTakeover?.(seen.key)
      if ((await takeOver(lockFile, seen.key, record, o)) === 'won')
        return hold(lockFile, record, o, options.onLost)
    }
    if (Date.now() > until) {
      const last = await look(lockFile)
      if (last.kind === 'record') throw new LibraryBusyError(lockFile, last.record.pid, last.record.host)
      throw new Error(`Could not lock the library (${lockFile}): it is being locked by another process.`)
    }
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100))
  }
}

/** Keeps the lock alive (heartbeat) until released. */
function hold(
  lockFile: string,
  record: LockRecord,
  o: typeof DEFAULTS,
  onLost: (() => void) | undefined,
): () => Promise<void> {
  let released = false
  let beating: Promise<void> = Promise.resolve()
  const mine = async () => {
    const seen = await look(lockFile).catch(() => null)
    return seen?.kind === 'record' && seen.record.token === record.token
  }
  const timer = setInterval(() => {
    beating = beating
      .then(async () => {
        if (released) return
        if (await mine()) {
          const now = new Date()
          await fs.utimes(lockFile, now, now).catch(() => undefined)
        } else {
          clearInterval(timer)
          onLost?.()
        }
      })
      .catch(() => undefined) // a heartbeat that fails is tried again at the next beat
  }, o.heartbeatMs)
  timer.unref()
  return async () => {
    if (released) return
    released = true
    clearInterval(timer)
    await beating
    // Only our own lock is removed: one taken over meanwhile belongs to its new holder.
    if (await mine()) await fs.rm(lockFile, { force: true })
  }
}
