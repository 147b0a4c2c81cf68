import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  acquireLibraryLock,
  LibraryBusyError,
  lockRecordFor,
  processStartTime,
  type LockRecord,
} from '../../../src/engine/library/lock.js'
import { bundleScript, type BundledScript } from '../../bundle-script.js'

const CHILD_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lock-child.ts')
const linux = process.platform === 'linux'

/**
 * lock-child.ts and the lock code, bundled once into plain JavaScript (test/bundle-script.ts): a child then
 * starts in a tenth of the time `node --import tsx` takes to transpile it (8 children).
 */
let bundled: BundledScript
let CHILD: string
beforeAll(async () => {
  bundled = await bundleScript(CHILD_SOURCE)
  CHILD = bundled.file
})
afterAll(async () => {
  await bundled.dispose()
})

let dir: string
let lock: string
const children: ChildProcess[] = []

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-lock-'))
  lock = path.join(dir, 'library.lock')
})
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  await fs.rm(dir, { recursive: true, force: true })
})

const record = async (): Promise<LockRecord> => JSON.parse(await fs.readFile(lock, 'utf8')) as LockRecord

/** Runs lock-child.ts; resolves to its printed outcome. */
function child(
  name: string,
  barrierDir: string,
  holdMs: number,
): Promise<{ name: string; outcome: string; staleSeen: string[] }> {
  const c = spawn(process.execPath, [CHILD, lock, name, barrierDir, String(holdMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(c)
  let out = ''
  let err = ''
  c.stdout.on('data', (d: Buffer) => (out += d.toString()))
  c.stderr.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) =>
    c.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!))
      } catch {
        reject(new Error(`${name} printed ${out} ${err}`))
      }
    }),
  )
}

/** Polls `ok` (no fixed sleep: a loaded machine may delay a heartbeat); fails after 15 s. */
async function until(ok: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + 15_000
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A process that lives until killed. */
async function sleeper(): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
  children.push(c)
  await new Promise((r) => c.once('spawn', r))
  return c
}

describe('library lock', () => {
  it('writes a full record naming its holder, and removes it on release', async () => {
    const release = await acquireLibraryLock(lock)
    const r = await record()
    expect(r).toMatchObject({ app: 'tessera-lock', pid: process.pid, host: os.hostname() })
    if (linux) {
      expect(r.bootId).toMatch(/^[0-9a-f-]{36}$/)
      expect(r.startTime).toBe(processStartTime(process.pid))
    }
    await release()
    await expect(fs.access(lock)).rejects.toThrow()
    // A second open in this same process takes over (as before); the first one's release leaves it.
    const first = await acquireLibraryLock(lock)
    const second = await acquireLibraryLock(lock)
    const token = (await record()).token
    await first()
    expect((await record()).token).toBe(token)
    await second()
    await expect(fs.access(lock)).rejects.toThrow()
    expect((await fs.readdir(dir)).filter((f) => f !== 'library.lock')).toEqual([])
  })

  it('refuses while another live process holds it, and takes it over once that process died', async () => {
    const other = await sleeper()
    await fs.writeFile(lock, JSON.stringify(lockRecordFor(other.pid!)))
    const busy = await acquireLibraryLock(lock).catch((e: unknown) => e)
    expect(busy).toBeInstanceOf(LibraryBusyError)
    expect((busy as LibraryBusyError).pid).toBe(other.pid)
    other.kill('SIGKILL')
    await new Promise((r) => other.once('exit', r))
    const release = await acquireLibraryLock(lock)
    expect((await record()).pid).toBe(process.pid)
    await release()
  })

  it.runIf(linux)('takes over a lock naming a live pid that is not its holder (pid reused)', async () => {
    // Pid 1 and the test's parent are alive, but did not start when the record says: the pid was reused
    // (after a reboot, in another container), so the lock is stale.
    for (const pid of [1, process.ppid]) {
      const real = processStartTime(pid)
      expect(real).not.toBeNull()
      const reused = { ...lockRecordFor(pid), startTime: String(Number(real) + 12345) }
      await fs.writeFile(lock, JSON.stringify(reused))
      const release = await acquireLibraryLock(lock)
      expect((await record()).pid).toBe(process.pid)
      await release()
    }
    // The same pid with its true start time holds the lock.
    await fs.writeFile(lock, JSON.stringify(lockRecordFor(process.ppid)))
    await expect(acquireLibraryLock(lock)).rejects.toBeInstanceOf(LibraryBusyError)
    // A record from before the last restart is stale whatever its pid.
    await fs.writeFile(
      lock,
      JSON.stringify({ ...lockRecordFor(process.ppid), bootId: '00000000-0000-0000-0000-000000000000' }),
    )
    const release = await acquireLibraryLock(lock)
    await release()
  })

  it('is not stranded by `echo 1 > library.lock` or a lock of an older version', async () => {
    for (const content of ['1\n', String(process.ppid), 'garbage', '{"pid":1}']) {
      await fs.writeFile(lock, content)
      const release = await acquireLibraryLock(lock)
      expect((await record()).pid).toBe(process.pid)
      await release()
    }
  })

  it('waits for an empty lock file (one being written) before taking it over', async () => {
    await fs.writeFile(lock, '')
    const started = Date.now()
    const release = await acquireLibraryLock(lock, { invalidGraceMs: 300 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    await release()
    // Still empty after the whole wait: refused, not stolen.
    await fs.writeFile(lock, '')
    await expect(acquireLibraryLock(lock, { invalidGraceMs: 60_000, waitMs: 200 })).rejects.toThrow(
      /being locked/,
    )
  })

  it('trusts the heartbeat where the holder cannot be checked (another host)', async () => {
    const remote = { ...lockRecordFor(999_999), host: 'elsewhere.example' }
    await fs.writeFile(lock, JSON.stringify(remote))
    const busy = await acquireLibraryLock(lock, { staleMs: 60_000 }).catch((e: unknown) => e)
    expect(busy).toBeInstanceOf(LibraryBusyError)
    expect((busy as Error).message).toMatch(/elsewhere\.example/)
    // Its heartbeat stopped long ago.
    const old = new Date(Date.now() - 120_000)
    await fs.utimes(lock, old, old)
    const release = await acquireLibraryLock(lock, { staleMs: 60_000 })
    await release()
  })

  it('keeps its lock fresh with a heartbeat, and notices when it was taken', async () => {
    let lost = false
    const release = await acquireLibraryLock(lock, { heartbeatMs: 50, onLost: () => (lost = true) })
    const old = new Date(Date.now() - 60_000)
    await fs.utimes(lock, old, old)
    await until(async () => Date.now() - (await fs.stat(lock)).mtimeMs < 10_000)
    // Someone replaced it (they judged us gone): we say so, and release leaves their lock alone.
    await fs.writeFile(lock, JSON.stringify(lockRecordFor(process.ppid)))
    await until(async () => lost)
    await release()
    expect((await record()).pid).toBe(process.ppid)
  })

  it(
    'lets exactly one of two processes racing to take over a stale lock win',
    { timeout: 180_000 },
    async () => {
      const rounds = 4
      for (let round = 0; round < rounds; round++) {
        // A stale lock: its holder died.
        const dead = await sleeper()
        const stale = lockRecordFor(dead.pid!)
        dead.kill('SIGKILL')
        await new Promise((r) => dead.once('exit', r))
        await fs.writeFile(lock, round % 2 === 0 ? JSON.stringify(stale) : '1')
        const barrier = await fs.mkdtemp(path.join(dir, 'barrier-'))
        // Both judge the lock stale and wait for each other (the barrier) before taking it over; the winner
        // holds it until the other has finished its attempt (20 s at most).
        const results = await Promise.all([child('a', barrier, 20_000), child('b', barrier, 20_000)])
        const winners = results.filter((r) => r.outcome === 'won')
        expect(winners, JSON.stringify(results)).toHaveLength(1)
        expect(
          results.filter((r) => r.outcome === 'busy'),
          JSON.stringify(results),
        ).toHaveLength(1)
        // Both saw the same stale lock, so the takeovers really raced.
        expect(results[0]!.staleSeen[0]).toBeDefined()
        expect(results[0]!.staleSeen[0]).toBe(results[1]!.staleSeen[0])
        // The winner released it; no claim or temporary file is left.
        await expect(fs.access(lock)).rejects.toThrow()
        await fs.rm(barrier, { recursive: true })
        expect(await fs.readdir(dir)).toEqual([])
      }
    },
  )
})
