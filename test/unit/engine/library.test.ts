import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultSettings, loadSettings, saveSettings } from '../../../src/engine/library/settings.js'
import { defaultLibraryDir, resolveLibraryDir } from '../../../src/engine/library/paths.js'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-lib-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('library location', () => {
  it('uses the per-user app-data folder named tessera, like Electron', () => {
    expect(defaultLibraryDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux')).toBe('/x/cfg/tessera')
    expect(defaultLibraryDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toMatch(/tessera$/)
    expect(defaultLibraryDir({}, 'darwin')).toMatch(/Library\/Application Support\/tessera$/)
  })
  it('prefers --library, then TESSERA_LIBRARY', () => {
    expect(resolveLibraryDir('/a', { TESSERA_LIBRARY: '/b' })).toBe('/a')
    expect(resolveLibraryDir(undefined, { TESSERA_LIBRARY: '/b' })).toBe('/b')
  })
})

describe('settings', () => {
  it('defaults, saves atomically and reloads', async () => {
    const file = path.join(dir, 'library.json')
    expect(await loadSettings(file)).toEqual(defaultSettings())
    await saveSettings(file, { ...defaultSettings(), roots: ['/photos'] })
    expect((await loadSettings(file)).roots).toEqual(['/photos'])
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
  it('says which field is wrong in a damaged file', async () => {
    const file = path.join(dir, 'library.json')
    await fs.writeFile(file, JSON.stringify({ version: 1, roots: 'oops' }))
    await expect(loadSettings(file)).rejects.toThrow(/roots/)
  })
})
