import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkFolder,
  classifyFolder,
  isRefusedSystemFolder,
  requireFolder,
  FolderRefusedError,
} from '../../../src/engine/library/folder-policy'

let tmp: string
let library: string
let photos: string
let home: string

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-folder-policy-')))
  library = path.join(tmp, 'library')
  photos = path.join(tmp, 'photos')
  home = path.join(tmp, 'home')
  await fs.mkdir(path.join(library, 'thumbs'), { recursive: true })
  await fs.mkdir(path.join(photos, '2024'), { recursive: true })
  await fs.mkdir(home)
  await fs.writeFile(path.join(photos, 'a.jpg'), 'x')
  await fs.symlink('/etc', path.join(tmp, 'etc-link'))
  await fs.symlink(photos, path.join(tmp, 'photos-link'))
  await fs.symlink(library, path.join(tmp, 'library-link'))
})

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

const linux = { platform: 'linux' as const, home: '/home/ada', env: {} }

describe('classifyFolder (Linux)', () => {
  it.each([
    ['/', 'root'],
    ['/home/ada', 'home'],
    ['/home/ada/', 'home'],
    ['/etc', 'system'],
    ['/etc/ssl', 'system'],
    ['/proc/self', 'system'],
    ['/sys', 'system'],
    ['/dev', 'system'],
    ['/usr', 'system'],
    ['/usr/share/backgrounds', 'system'],
    ['/bin', 'system'],
    ['/boot', 'system'],
    ['/var', 'system'],
    ['/var/lib/docker', 'system'],
    ['/tmp', 'system'],
    ['/home', 'system'],
    ['/home/ada/Pictures', 'ok'],
    ['/home/bob/Pictures', 'ok'],
    ['/tmp/card-copy', 'ok'],
    ['/mnt/nas/photos', 'ok'],
    ['/media/ada/SDCARD', 'ok'],
    ['/srv/photos', 'ok'],
    ['/etcetera', 'ok'],
    ['/usrdata', 'ok'],
  ])('%s is %s', (p, kind) => {
    expect(classifyFolder(p, linux)).toBe(kind)
  })

  it('does not refuse inside a home that lives under a system tree', () => {
    expect(classifyFolder('/var/lib/ada/Pictures', { ...linux, home: '/var/lib/ada' })).toBe('ok')
    expect(classifyFolder('/var/lib/ada', { ...linux, home: '/var/lib/ada' })).toBe('home')
    expect(classifyFolder('/var/lib/other', { ...linux, home: '/var/lib/ada' })).toBe('system')
  })
})

describe('classifyFolder (Windows, macOS)', () => {
  const win = {
    platform: 'win32' as const,
    home: 'C:\\Users\\Ada',
    env: { SystemRoot: 'C:\\Windows', ProgramFiles: 'C:\\Program Files' },
  }
  it.each([
    ['C:\\', 'root'],
    ['D:\\', 'root'],
    ['\\\\nas\\share\\', 'root'],
    ['C:\\Users\\Ada', 'home'],
    ['c:\\users\\ada', 'home'],
    ['C:\\Windows', 'system'],
    ['c:\\windows\\System32', 'system'],
    ['C:\\Program Files\\Tessera', 'system'],
    ['C:\\ProgramData', 'system'],
    ['C:\\Users', 'system'],
    ['C:\\Users\\Ada\\AppData\\Roaming\\tessera', 'system'],
    ['C:\\Users\\Ada\\Pictures', 'ok'],
    ['D:\\Photos', 'ok'],
    ['\\\\nas\\share\\photos', 'ok'],
  ])('%s is %s', (p, kind) => {
    expect(classifyFolder(p, win)).toBe(kind)
  })

  const mac = { platform: 'darwin' as const, home: '/Users/ada', env: {} }
  it.each([
    ['/', 'root'],
    ['/Users/ada', 'home'],
    ['/System/Library', 'system'],
    ['/Library', 'system'],
    ['/private/etc', 'system'],
    ['/Users', 'system'],
    ['/Volumes', 'system'],
    ['/Users/ada/Library/Caches', 'system'],
    ['/Users/ada/Pictures', 'ok'],
    ['/Volumes/Card/DCIM', 'ok'],
  ])('%s is %s', (p, kind) => {
    expect(classifyFolder(p, mac)).toBe(kind)
  })

  it('isRefusedSystemFolder refuses system folders only (root and home need a confirmation)', () => {
    expect(isRefusedSystemFolder('/etc', linux)).toBe(true)
    expect(isRefusedSystemFolder('/', linux)).toBe(false)
    expect(isRefusedSystemFolder('/home/ada', linux)).toBe(false)
    expect(isRefusedSystemFolder('/home/ada/Pictures', linux)).toBe(false)
    expect(isRefusedSystemFolder('C:\\Windows\\Temp', win)).toBe(true)
    expect(isRefusedSystemFolder('relative/path', linux)).toBe(true)
  })
})

describe('checkFolder (real files)', () => {
  const opts = () => ({ libraryDir: library, home, platform: 'linux' as const, env: {} })

  it('accepts an ordinary folder and answers its real path', async () => {
    expect(await checkFolder(photos, opts())).toEqual({ ok: true, path: photos })
    expect(await checkFolder(`${photos}/`, opts())).toEqual({ ok: true, path: photos })
    expect(await checkFolder(path.join(tmp, 'photos-link'), opts())).toEqual({ ok: true, path: photos })
  })

  it('refuses relative paths with a reason, whatever they would resolve to', async () => {
    for (const rel of ['../..', 'photos', '.', './x', '~/Pictures']) {
      const v = await checkFolder(rel, opts())
      expect(v).toMatchObject({ ok: false, code: 'relative-path' })
      expect(!v.ok && v.reason).toMatch(/full path/)
    }
  })

  it('refuses system folders, also through a link', async () => {
    expect(await checkFolder('/etc', opts())).toMatchObject({ ok: false, code: 'system-folder' })
    expect(await checkFolder('/proc', opts())).toMatchObject({ ok: false, code: 'system-folder' })
    expect(await checkFolder('/usr/share', opts())).toMatchObject({ ok: false, code: 'system-folder' })
    const linked = await checkFolder(path.join(tmp, 'etc-link'), opts())
    expect(linked).toMatchObject({ ok: false, code: 'system-folder' })
    expect(!linked.ok && linked.reason).toContain('a link to /etc')
  })

  it('refuses the library folder and what is inside it, also through a link', async () => {
    for (const p of [library, path.join(library, 'thumbs'), path.join(tmp, 'library-link')]) {
      expect(await checkFolder(p, opts())).toMatchObject({ ok: false, code: 'library-folder' })
    }
  })

  it('asks a confirmation for the filesystem root and the whole home folder', async () => {
    for (const p of ['/', home]) {
      const v = await checkFolder(p, opts())
      expect(v).toMatchObject({ ok: false, code: 'needs-confirmation' })
      expect(await checkFolder(p, { ...opts(), confirm: true })).toEqual({ ok: true, path: p })
    }
    // A confirmation does not open system folders.
    expect(await checkFolder('/etc', { ...opts(), confirm: true })).toMatchObject({ code: 'system-folder' })
  })

  it('refuses missing folders and files', async () => {
    expect(await checkFolder(path.join(tmp, 'nope'), opts())).toMatchObject({ code: 'not-found' })
    expect(await checkFolder(path.join(photos, 'a.jpg'), opts())).toMatchObject({ code: 'not-a-folder' })
    expect(await checkFolder(`${photos}\0x`, opts())).toMatchObject({ code: 'not-found' })
  })

  it('requireFolder throws a FolderRefusedError carrying the code', async () => {
    await expect(requireFolder('..', opts())).rejects.toBeInstanceOf(FolderRefusedError)
    await expect(requireFolder('/sys', opts())).rejects.toMatchObject({ code: 'system-folder' })
    expect(await requireFolder(path.join(photos, '2024'), opts())).toBe(path.join(photos, '2024'))
  })
})
