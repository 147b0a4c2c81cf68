/**
 * The unit tier shares modules between the files of a worker (vitest.config.ts): a file that mocks a module
 * must be listed in test/unit-with-mocks.ts, which runs it isolated.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UNIT_WITH_MOCKS } from '../../unit-with-mocks'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/** Unit test files under test/unit, as repository paths. */
async function unitTestFiles(): Promise<string[]> {
  const entries = await fs.readdir(path.join(REPO, 'test', 'unit'), { recursive: true })
  return entries
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.posix.join('test/unit', f.split(path.sep).join('/')))
    .sort()
}

describe('unit test isolation', () => {
  it('every unit test file that mocks a module runs isolated', async () => {
    const mocking: string[] = []
    for (const file of await unitTestFiles()) {
      const text = await fs.readFile(path.join(REPO, file), 'utf8')
      if (/\bvi\.(do)?mock\(/.test(text)) mocking.push(file)
    }
    expect(mocking.length).toBeGreaterThan(0)
    expect(mocking).toEqual([...UNIT_WITH_MOCKS].sort())
  })
})
