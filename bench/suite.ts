/**
 * The `suite` section: how long `npm test` takes on this machine, so the README's figure comes from a
 * results file like every other one (it used to be typed by hand from a CI log).
 *
 * Runs the steps of `npm test` in this working tree, one after the other as the script does: `vitest run`,
 * then `npm run test:e2e` (the interface build and Playwright). Each step's wall time and CPU time (GNU
 * time: the step and every process it waited for, test servers, CLI runs and Chromium included) and its
 * test counts, from the plain summary lines both reporters print. A step that fails fails the section: a
 * duration is only recorded for a green suite. Vitest makes its own cache of indexed libraries, as in CI
 * (TESSERA_TEST_CACHE is cleared for the run).
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Json } from './results.js'
import { timedRun } from './timed-run.js'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** Issue 9's target for `npm test` (vitest + Playwright) on this 2-core machine. */
export const SUITE_TARGET_SECONDS = 360

type Log = (message: string) => void

export interface StepRun {
  seconds: number
  cpuSeconds: number | null
  passed: number
  failed: number
  skipped: number
}

/** `passed`, `failed` and `skipped` from the last `LABEL: N passed, N failed, N skipped` line of `output`. */
export function summaryCounts(
  output: string,
  label: string,
): Omit<StepRun, 'seconds' | 'cpuSeconds'> | undefined {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
  const re = new RegExp(`^${label}: (\\d+) passed, (\\d+) failed, (\\d+) skipped$`, 'gm')
  const last = [...plain.matchAll(re)].pop()
  if (!last) return undefined
  return { passed: Number(last[1]), failed: Number(last[2]), skipped: Number(last[3]) }
}

async function step(name: string, command: string[], label: string, log: Log): Promise<StepRun> {
  const env = { ...process.env }
  delete env.TESSERA_TEST_CACHE
  log(`suite: ${command.join(' ')}`)
  const run = await timedRun(command, { cwd: REPO, env, keepLast: 2_000_000 })
  const output = `${run.stdout}\n${run.stderr}`
  const counts = summaryCounts(run.stdout, label)
  if (run.code !== 0 || !counts || counts.failed > 0)
    throw new Error(
      `${command.join(' ')} did not pass (exit ${run.code}); a duration is only recorded for a green suite:\n` +
        output.slice(-3000),
    )
  const seconds = Math.round(run.seconds * 10) / 10
  const cpuSeconds = run.cpuSeconds === null ? null : Math.round(run.cpuSeconds * 10) / 10
  log(`suite: ${name} ${seconds} s, ${counts.passed} passed, ${counts.skipped} skipped`)
  return { seconds, cpuSeconds, ...counts }
}

/** `npm test` in package.json: the two steps below, timed one by one. */
const NPM_TEST = 'vitest run && npm run test:e2e'

export async function benchSuite(log: Log): Promise<Json> {
  const pkg = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  if (pkg.scripts.test !== NPM_TEST)
    throw new Error(
      `package.json's test script is "${pkg.scripts.test}", not "${NPM_TEST}": update bench/suite.ts, which times those steps.`,
    )
  const npx = (bin: string, ...rest: string[]) => [path.join(REPO, 'node_modules', '.bin', bin), ...rest]
  const vitest = await step('vitest', npx('vitest', 'run'), 'tests', log)
  const e2e = await step('e2e', ['npm', 'run', 'test:e2e'], 'e2e tests', log)
  const seconds = Math.round((vitest.seconds + e2e.seconds) * 10) / 10
  return {
    command: 'npm test (vitest run, then npm run test:e2e: the interface build and Playwright)',
    where: 'this working tree, out/cli built when stale, a fresh cache of indexed libraries',
    seconds,
    cpuSeconds:
      vitest.cpuSeconds === null || e2e.cpuSeconds === null
        ? null
        : Math.round((vitest.cpuSeconds + e2e.cpuSeconds) * 10) / 10,
    vitest,
    e2e,
    targetSeconds: SUITE_TARGET_SECONDS,
    met: seconds <= SUITE_TARGET_SECONDS,
  }
}
