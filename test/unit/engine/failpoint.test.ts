import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleScript, type BundledScript } from '../../bundle-script.js'

// failpoint-child.ts and failpoint.ts, bundled once (test/bundle-script.ts): 8 children start without tsx.
let child: BundledScript
beforeAll(async () => {
  child = await bundleScript(path.join(path.dirname(fileURLToPath(import.meta.url)), 'failpoint-child.ts'))
})
afterAll(async () => {
  await child.dispose()
})

/** Reaches the point `a` three times (printing after each) in a child process, under TESSERA_FAILPOINT. */
function run(failpoint: string | undefined) {
  const env = { ...process.env, TESSERA_FAILPOINT: failpoint }
  if (failpoint === undefined) delete env.TESSERA_FAILPOINT
  return spawnSync(process.execPath, [child.file], { env, encoding: 'utf8' })
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
