/**
 * The Electron engine host (`src/main/engine-host-entry.ts`) without Electron: the entry runs in a Node child
 * whose `process.parentPort` is a stand-in over the child's IPC channel, as main's utility process would
 * give it. 10,000 calls posted at once are all answered (a result or `busy`) with peak RSS under 600 MB,
 * and a refused folder comes back with the same code as in browser mode.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReplyMessage } from '../../../src/shared/contract.js'
import { REPO, tempDir } from '../support.js'

const ENTRY = path.join(REPO, 'src', 'main', 'engine-host-entry.ts')
/** Gives the entry a `process.parentPort` carried by the Node IPC channel, then loads it. */
const SHIM = `
const listeners = []
process.parentPort = {
  on: (_event, listener) => listeners.push(listener),
  postMessage: (message) => process.send(message),
}
process.on('message', (data) => { for (const listener of listeners) listener({ data }) })
await import(${JSON.stringify(ENTRY)})
`

let base: string
let child: ChildProcess
const messages: Array<{ kind: string } & Record<string, unknown>> = []

beforeAll(async () => {
  base = await fs.realpath(await tempDir('engine-host'))
  await fs.writeFile(path.join(base, 'shim.mjs'), SHIM)
  child = fork(path.join(base, 'shim.mjs'), ['--library', path.join(base, 'library')], {
    cwd: REPO,
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    env: { ...process.env, TESSERA_LIBRARY: '' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.on('message', (m) => messages.push(m as { kind: string }))
  const until = Date.now() + 60_000
  while (!messages.some((m) => m.kind === 'ready')) {
    if (child.exitCode !== null || Date.now() > until)
      throw new Error(`the engine host did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}, 90_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r))
    child.send({ kind: 'close' })
    await exited
  }
  await fs.rm(base, { recursive: true, force: true })
})

async function replies(ids: number[]): Promise<ReplyMessage[]> {
  const wanted = new Set(ids)
  const until = Date.now() + 120_000
  for (;;) {
    const got = messages.filter((m) => m.kind === 'reply' && wanted.has(m.id as number))
    if (got.length === wanted.size) return got as unknown as ReplyMessage[]
    if (Date.now() > until) throw new Error(`${got.length} of ${wanted.size} replies`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('the engine host', () => {
  it('answers 10,000 calls posted at once, each with a result or busy; peak RSS < 600 MB', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => i + 1)
    for (const id of ids) child.send({ kind: 'call', id, method: 'library.status', args: [] })
    const got = await replies(ids)
    const ok = got.filter((r) => r.ok).length
    const busy = got.filter((r) => !r.ok && r.error.code === 'busy').length
    const peakMb =
      Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024
    console.log(`engine host, 10,000 calls: ${ok} answered, ${busy} busy; peak RSS ${peakMb.toFixed(0)} MB`)
    expect(ok + busy).toBe(10_000)
    expect(ok).toBeGreaterThan(0)
    expect(peakMb).toBeLessThan(600)
    expect(child.exitCode).toBeNull()
  }, 180_000)

  it('refuses a relative, a system and the root folder with the codes browser mode uses', async () => {
    const cases: Array<[string, string]> = [
      ['../..', 'relative-path'],
      ['/etc', 'system-folder'],
      ['/', 'needs-confirmation'],
    ]
    cases.forEach(([folder], i) =>
      child.send({ kind: 'call', id: 50_000 + i, method: 'roots.add', args: [[folder]] }),
    )
    const got = await replies(cases.map((_, i) => 50_000 + i))
    for (const [i, [folder, code]] of cases.entries()) {
      expect(
        got.find((r) => r.id === 50_000 + i),
        folder,
      ).toMatchObject({ ok: false, error: { code } })
    }
  })
})
