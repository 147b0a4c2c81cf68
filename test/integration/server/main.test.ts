/**
 * `npm run serve` end to end: the real entry point in a child process, on a real (empty) library.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO, tempDir } from '../support.js'

// What `npm run serve` runs: the bundle test/global-setup.ts built (out/cli/tessera-serve.js).
const MAIN = path.join(REPO, 'bin', 'tessera-serve.js')
const LINE = /^Tessera is running at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))$/m

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exit: Promise<number | null>
}

const children: ChildProcess[] = []

function serve(args: string[]): Run {
  const child = spawn(process.execPath, [MAIN, '--no-open', ...args], {
    cwd: REPO,
    env: { ...process.env, TESSERA_LIBRARY: '' },
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exit }
}

async function runningLine(run: Run): Promise<RegExpExecArray> {
  const until = Date.now() + 60_000
  for (;;) {
    const match = LINE.exec(run.stdout())
    if (match) return match
    if (run.child.exitCode !== null) throw new Error(`serve exited: ${run.stderr()}`)
    if (Date.now() > until) throw new Error(`serve did not start: ${run.stderr()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

let base: string
let rendererDir: string

beforeAll(async () => {
  base = await tempDir('serve')
  rendererDir = path.join(base, 'renderer')
  await fs.mkdir(rendererDir)
  await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><head></head><div id="app"></div>')
})

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await fs.rm(base, { recursive: true, force: true })
})

describe('tessera serve', () => {
  it('prints one line with the URL, serves, refuses a second process, and closes on SIGTERM', async () => {
    const library = path.join(base, 'library')
    const run = serve(['--library', library, '--renderer', rendererDir, '--token', 'token-for-tests'])
    const [line, url, port, token] = await runningLine(run)
    expect(token).toBe('token-for-tests')
    expect(run.stdout()).toBe(`${line}\n`)
    const page = await fetch(url!)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain(`ws://127.0.0.1:${port}`)
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(401)

    const second = serve(['--library', library, '--renderer', rendererDir])
    expect(await second.exit).toBe(1)
    expect(second.stderr()).toMatch(/Could not open the library .*in use by another Tessera process/)
    expect(second.stdout()).toBe('')

    run.child.kill('SIGTERM')
    expect(await run.exit).toBe(0)
    await expect(fs.access(path.join(library, 'library.lock'))).rejects.toThrow()
  })

  it('exits 2 when the interface is not built', async () => {
    const run = serve(['--library', path.join(base, 'other'), '--renderer', path.join(base, 'nowhere')])
    expect(await run.exit).toBe(2)
    expect(run.stderr()).toContain('The interface is not built: run `npm run build` first.')
  })

  it('exits 2 on a bad port', async () => {
    const run = serve(['--port', 'eighty', '--renderer', rendererDir])
    expect(await run.exit).toBe(2)
    expect(run.stderr()).toMatch(/port/)
  })
})
