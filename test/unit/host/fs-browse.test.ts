import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browseFolder } from '../../../src/host/handlers/folders.js'

let dir: string
beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-browse-')))
  await fs.mkdir(path.join(dir, 'Pictures', '2024'), { recursive: true })
  await fs.mkdir(path.join(dir, 'Documents'))
  await fs.mkdir(path.join(dir, '.cache'))
  await fs.writeFile(path.join(dir, 'photo.jpg'), 'not a folder')
  await fs.symlink(path.join(dir, 'Pictures'), path.join(dir, 'Linked'))
  await fs.symlink(path.join(dir, 'gone'), path.join(dir, 'Dangling'))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('fs.browse (browser mode folder picker)', () => {
  it('lists sub-folders only, by name, hidden ones and files left out, links as their real paths', async () => {
    const listing = await browseFolder(dir)
    expect(listing.path).toBe(dir)
    expect(listing.parent).toBe(path.dirname(dir))
    expect(listing.entries).toEqual([
      { name: 'Documents', path: path.join(dir, 'Documents'), refused: null },
      { name: 'Linked', path: path.join(dir, 'Pictures'), refused: null },
      { name: 'Pictures', path: path.join(dir, 'Pictures'), refused: null },
    ])
  })

  it('refuses relative paths and paths that are not folders', async () => {
    await expect(browseFolder('Pictures')).rejects.toMatchObject({ code: 'bad-path' })
    await expect(browseFolder('~/Pictures')).rejects.toMatchObject({ code: 'bad-path' })
    await expect(browseFolder(path.join(dir, 'photo.jpg'))).rejects.toMatchObject({ code: 'not-found' })
    await expect(browseFolder(path.join(dir, 'nothing'))).rejects.toMatchObject({ code: 'not-found' })
  })

  it.runIf(process.platform === 'linux')(
    'marks system folders refused, with the reason, at the root',
    async () => {
      const root = await browseFolder('/')
      expect(root.parent).toBeNull()
      const etc = root.entries.find((e) => e.name === 'etc')
      expect(etc?.refused).toMatch(/system folder/)
      expect(root.entries.find((e) => e.name === 'home')?.refused).toMatch(/system folder/)
    },
  )
})
