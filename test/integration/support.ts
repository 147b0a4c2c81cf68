import { realpathSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Real path of a folder that may be reached through a link (the library reports real paths). */
export function realFolder(p: string): string {
  try {
    return realpathSync(p)
  } catch {
    return p
  }
}

/** shared/ sits beside the repository (here and in CI; it may be a link). */
export const SHARED = realFolder(path.resolve(REPO, '..', 'shared'))
export const MIRROR = process.env.TESSERA_MODEL_MIRROR ?? path.join(SHARED, 'models')
export const SEED = realFolder(
  path.join(process.env.TESSERA_DATASETS ?? path.join(SHARED, 'datasets'), 'seed-5class'),
)

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `tessera-${prefix}-`))
}

/** The first `perClass` photos of each seed class, sorted, so tests are deterministic. */
export async function seedPhotos(perClass: number): Promise<string[]> {
  const out: string[] = []
  for (const cls of (await fs.readdir(SEED)).sort()) {
    const files = (await fs.readdir(path.join(SEED, cls))).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort()
    out.push(...files.slice(0, perClass).map((f) => path.join(SEED, cls, f)))
  }
  return out
}

/** Copies photos into `dir` (flat, with class-prefixed names) and returns the new paths. */
export async function copyPhotos(photos: string[], dir: string): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true })
  return Promise.all(
    photos.map(async (p) => {
      const target = path.join(dir, `${path.basename(path.dirname(p))}-${path.basename(p)}`)
      await fs.copyFile(p, target)
      return target
    }),
  )
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

import { spawn } from 'node:child_process'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the real `tessera` command in a child process: bin/tessera.js, which runs the bundle in out/cli
 * (built before the tests by test/global-setup.ts, which also sets TESSERA_CLI_BUILT=1).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runNode([path.join(REPO, 'bin', 'tessera.js'), ...args], {
    env: { ...process.env, TESSERA_MODEL_MIRROR: MIRROR, ...env },
  })
}

/**
 * Runs `node ARGS` in a child process and collects its output. `env` replaces the environment (the
 * default is this one); `plain` drops NODE_OPTIONS, so none of the test runner's loaders (tsx) come along.
 */
export function runNode(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; plain?: boolean } = {},
): Promise<CliResult> {
  const env = { ...(opts.env ?? process.env) }
  if (opts.plain) delete env.NODE_OPTIONS
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd: opts.cwd })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
