import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  chooseLibraryDir,
  LIBRARY_CHOICE_FILE,
  readLibraryChoice,
  writeLibraryChoice,
} from '../../../src/main/library-choice'

function profile(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-profile-'))
}

describe('which library the desktop app opens', () => {
  it('TESSERA_LIBRARY wins, then the saved choice, then the per-user default', () => {
    const dir = profile()
    const env = { HOME: '/home/ann', XDG_DATA_HOME: '/home/ann/.local/share' }
    const fallback = chooseLibraryDir(dir, env)
    expect(fallback).toMatch(/tessera$/)
    writeLibraryChoice(dir, '/data/Photos Library')
    expect(chooseLibraryDir(dir, env)).toBe('/data/Photos Library')
    expect(chooseLibraryDir(dir, { ...env, TESSERA_LIBRARY: '/tmp/test-lib' })).toBe('/tmp/test-lib')
  })

  it('ignores a missing, damaged or foreign choice file, and refuses a relative path', () => {
    const dir = profile()
    expect(readLibraryChoice(dir)).toBeUndefined()
    fs.writeFileSync(path.join(dir, LIBRARY_CHOICE_FILE), '{"library": ')
    expect(readLibraryChoice(dir)).toBeUndefined()
    fs.writeFileSync(path.join(dir, LIBRARY_CHOICE_FILE), '{"library": "relative/dir"}')
    expect(readLibraryChoice(dir)).toBeUndefined()
    fs.writeFileSync(path.join(dir, LIBRARY_CHOICE_FILE), 'null')
    expect(readLibraryChoice(dir)).toBeUndefined()
    expect(() => writeLibraryChoice(dir, 'relative')).toThrow(/absolute/)
  })

  it('saves atomically: no temporary file is left, and the last choice is read back', () => {
    const dir = path.join(profile(), 'not-yet-created')
    writeLibraryChoice(dir, '/a')
    writeLibraryChoice(dir, '/b')
    expect(readLibraryChoice(dir)).toBe('/b')
    expect(fs.readdirSync(dir)).toEqual([LIBRARY_CHOICE_FILE])
  })
})
