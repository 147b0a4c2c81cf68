/**
 * A hostile client cannot make the browser-mode server grow without bound: `npm run serve` in a child process
 * on a real library; one WebSocket pipelines 10,000 `library.status` calls at once, then 20,000 more while
 * a generated folder is indexed. Every call is answered (a result or `busy`), the server stays up, its peak
 * resident memory (the kernel's VmHWM of the child) stays under 600 MB, and the indexing run completes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { LibraryStatus, ReplyMessage } from '../../../src/shared/contract.js'
import { MIRROR, REPO, tempDir } from '../support.js'

// What `npm run serve` runs: the bundle test/global-setup.ts built (out/cli/tessera-serve.js).
const MAIN = path.join(REPO, 'bin', 'tessera-serve.js')
const LINE = /Tessera is running at http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/
const PEAK_LIMIT_MB = 600
const PHOTOS = 40

let base: string
let child: ChildProcess
let stderr = ''
let port: number
let token: string

/** The child's peak resident set so far, in MB (Linux: VmHWM of /proc/<pid>/status). */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1])
  return kb / 1024
}

interface Burst {
  ok: ReplyMessage[]
  busy: number
  other: ReplyMessage[]
  answered: number
}

/** Sends `count` calls at once on `ws`, then waits for a reply to every one. */
async function burst(
  ws: WebSocket,
  firstId: number,
  count: number,
  method = 'library.status',
): Promise<Burst> {
  const result: Burst = { ok: [], busy: 0, other: [], answered: 0 }
  const pending = new Set<number>()
  let done!: () => void
  const finished = new Promise<void>((r) => (done = r))
  const onMessage = (data: WebSocket.RawData) => {
    const m = JSON.parse(String(data)) as ReplyMessage | { kind: 'event' }
    if (m.kind !== 'reply' || !pending.delete(m.id)) return
    result.answered++
    if (m.ok) result.ok.push(m)
    else if (m.error.code === 'busy') result.busy++
    else result.other.push(m)
    if (pending.size === 0) done()
  }
  ws.on('message', onMessage)
  for (let i = 0; i < count; i++) {
    const id = firstId + i
    pending.add(id)
    ws.send(JSON.stringify({ kind: 'call', id, method, args: [] }))
  }
  await finished
  ws.off('message', onMessage)
  return result
}

async function call<T>(ws: WebSocket, id: number, method: string, args: unknown[]): Promise<T> {
  const reply = await new Promise<ReplyMessage>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as ReplyMessage
      if (m.kind !== 'reply' || m.id !== id) return
      ws.off('message', onMessage)
      resolve(m)
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ kind: 'call', id, method, args }))
  })
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`)
  return reply.result as T
}

beforeAll(async () => {
  base = await fs.realpath(await tempDir('bounded'))
  const renderer = path.join(base, 'renderer')
  await fs.mkdir(renderer)
  await fs.writeFile(path.join(renderer, 'index.html'), '<!doctype html><head></head>')
  const photos = path.join(base, 'photos')
  await fs.mkdir(photos)
  for (let i = 0; i < PHOTOS; i++) {
    const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 }
    await sharp({ create: { width: 320, height: 240, channels: 3, background } })
      .jpeg()
      .toFile(path.join(photos, `p${i}.jpg`))
  }
  child = spawn(
    process.execPath,
    [MAIN, '--no-open', '--library', path.join(base, 'library'), '--renderer', renderer],
    { cwd: REPO, env: { ...process.env, TESSERA_LIBRARY: '', TESSERA_MODEL_MIRROR: MIRROR } },
  )
  let stdout = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const until = Date.now() + 60_000
  for (;;) {
    const match = LINE.exec(stdout)
    if (match) {
      port = Number(match[1])
      token = match[2]!
      break
    }
    if (child.exitCode !== null || Date.now() > until) throw new Error(`serve did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}, 90_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
  await fs.rm(base, { recursive: true, force: true })
})

describe('a hostile client on one socket', () => {
  it('10,000 then 20,000 (during indexing) pipelined calls: all answered, the server up, peak RSS < 600 MB', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, {
      origin: `http://127.0.0.1:${port}`,
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))

    const first = await burst(ws, 1, 10_000)
    const afterFirst = peakRssMb(child.pid!)
    console.log(
      `10,000 calls: ${first.ok.length} answered, ${first.busy} busy, ${first.other.length} other; peak RSS ${afterFirst.toFixed(0)} MB`,
    )
    expect(first.answered).toBe(10_000)
    expect(first.other).toEqual([])
    expect(first.ok.length).toBeGreaterThan(0)
    expect(child.exitCode).toBeNull()

    const photos = path.join(base, 'photos')
    expect(await call(ws, 100_000, 'roots.add', [[photos]])).toEqual({ added: [photos] })
    const second = await burst(ws, 200_000, 20_000)
    const afterSecond = peakRssMb(child.pid!)
    const sawIndexing = second.ok.some((r) => r.ok && (r.result as LibraryStatus).indexing.running)
    console.log(
      `20,000 calls while indexing: ${second.ok.length} answered, ${second.busy} busy, ${second.other.length} other; indexing seen running: ${sawIndexing}; peak RSS ${afterSecond.toFixed(0)} MB`,
    )
    expect(second.answered).toBe(20_000)
    expect(second.other).toEqual([])
    expect(second.ok.length).toBeGreaterThan(0)
    expect(sawIndexing).toBe(true)
    expect(child.exitCode).toBeNull()

    // The run completes under the load, every photo indexed.
    let status: LibraryStatus
    let id = 300_000
    const until = Date.now() + 170_000
    do {
      await new Promise((r) => setTimeout(r, 250))
      status = await call<LibraryStatus>(ws, id++, 'library.status', [])
    } while ((status.indexing.running || status.photos < PHOTOS) && Date.now() < until)
    expect(status).toMatchObject({ photos: PHOTOS, failed: 0 })
    const peak = peakRssMb(child.pid!)
    console.log(`after indexing: peak RSS ${peak.toFixed(0)} MB`)
    expect(peak).toBeLessThan(PEAK_LIMIT_MB)
    ws.terminate()
  }, 300_000)
})
