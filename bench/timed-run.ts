/**
 * Runs a command as a user would and measures it: wall time from spawn to exit, and from GNU time
 * (`/usr/bin/time`, when installed) its CPU time and peak RSS, the command and every process it waited for
 * included. Used by the sections that time whole commands (`tessera …`, `npm test`).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

const GNU_TIME = '/usr/bin/time'

export interface TimedRun {
  /** Exit code; null when a signal ended it. */
  code: number | null
  stdout: string
  stderr: string
  /** Wall-clock seconds from spawn to exit: start-up included. */
  seconds: number
  /** User + system CPU seconds, from GNU time (null without it). */
  cpuSeconds: number | null
  /** Peak resident set of the largest process, from GNU time (null without it). */
  peakRssMiB: number | null
}

export interface TimedRunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Keep only about the last this many characters of each stream (a long test run prints megabytes). */
  keepLast?: number
}

export async function timedRun(command: string[], options: TimedRunOptions = {}): Promise<TimedRun> {
  const timed = existsSync(GNU_TIME)
  const timeFile = path.join(
    os.tmpdir(),
    `tessera-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`,
  )
  const [cmd, ...args] = timed ? [GNU_TIME, '-o', timeFile, '-f', '%M %U %S', ...command] : command
  const keepLast = options.keepLast ?? Infinity
  const started = performance.now()
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(cmd!, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      const trim = (s: string) => (s.length > 2 * keepLast ? s.slice(-keepLast) : s)
      child.stdout.on('data', (d: Buffer) => (out = trim(out + d.toString())))
      child.stderr.on('data', (d: Buffer) => (err = trim(err + d.toString())))
      child.on('error', reject)
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }))
    },
  )
  const seconds = (performance.now() - started) / 1000
  let peakRssMiB: number | null = null
  let cpuSeconds: number | null = null
  if (timed) {
    const fields = (await fs.readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number)
    await fs.rm(timeFile, { force: true })
    peakRssMiB = Math.round((fields[0]! / 1024) * 10) / 10
    cpuSeconds = Math.round((fields[1]! + fields[2]!) * 100) / 100
  }
  return { code, stdout, stderr, seconds, cpuSeconds, peakRssMiB }
}
