import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const FAILPOINT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../src/engine/library/failpoint.ts',
)

/** Reaches the point `a` three times (printing after each) in a child process, under TESSERA_FAILPOINT. */
function run(failpoint: string | undefined) {
  const script = `
    const { failpoint } = await import(${JSON.stringify(FAILPOINT)})
    for (let i = 1; i <= 3; i++) { failpoint('a'); process.stdout.write(i + ' ') }
  `
  const env = { ...process.env, TESSERA_FAILPOINT: failpoint }
  if (failpoint === undefined) delete env.TESSERA_FAILPOINT
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
  })
}

describe('failpoint', () => {
  it('is inert when unset or naming another point', () => {
    for (const fp of [undefined, 'b', 'ab', 'a#x']) {
      const r = run(fp)
      expect(r.signal).toBeNull()
      expect(r.stdout).toBe('1 2 3 ')
    }
  })

  it('kills the process with SIGKILL the first time a plain name is reached', () => {
    const r = run('a')
    expect(r.signal).toBe('SIGKILL')
    expect(r.stdout).toBe('')
  })

  it('kills on the n-th time with name#n', () => {
    const second = run('a#2')
    expect(second.signal).toBe('SIGKILL')
    expect(second.stdout).toBe('1 ')
    const third = run('a#3')
    expect(third.signal).toBe('SIGKILL')
    expect(third.stdout).toBe('1 2 ')
    expect(run('a#4').stdout).toBe('1 2 3 ')
  })
})
