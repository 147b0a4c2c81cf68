import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { walkRoots } from '../../../src/engine/scan/walk.js'
import { isIgnoredName, makeIgnore } from '../../../src/engine/scan/ignore.js'

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-walk-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function touch(rel: string, content = 'x'): Promise<string> {
  const p = path.join(dir, rel)
  await fs.mkdir(path.dirname(p), { recursive: true })
  await fs.writeFile(p, content)
  return p
}

describe('walkRoots', () => {
  it('finds photos by extension, case-insensitively, and skips other files', async () => {
    await touch('a.jpg')
    await touch('b.JPEG')
    await touch('c.heic')
    await touch('notes.txt')
    await touch('movie.mp4')
    const { files } = await walkRoots([dir], path.join(dir, '..', 'nowhere'))
    expect(files.map((f) => path.basename(f.path)).sort()).toEqual(['a.jpg', 'b.JPEG', 'c.heic'])
    expect(files.every((f) => f.root === dir && f.size === 1)).toBe(true)
  })

  it('skips hidden folders, OS junk and the library folder', async () => {
    await touch('keep/photo.jpg')
    await touch('.hidden/photo.jpg')
    await touch('@eaDir/photo.jpg/SYNOPHOTO_THUMB_XL.jpg')
    await touch('keep/._photo.jpg')
    await touch('keep/.DS_Store')
    await touch('Thumbs.db')
    await touch('$RECYCLE.BIN/deleted.jpg')
    await touch('library/thumbs/aa/x.jpg')
    const { files } = await walkRoots([dir], path.join(dir, 'library'))
    expect(files.map((f) => path.relative(dir, f.path))).toEqual([path.join('keep', 'photo.jpg')])
  })

  it('follows a symlinked folder once and does not hang on a symlink loop', async () => {
    await touch('real/p.jpg')
    await fs.symlink(path.join(dir, 'real'), path.join(dir, 'link'))
    await fs.symlink(dir, path.join(dir, 'real', 'loop'))
    const { files } = await walkRoots([dir], path.join(dir, 'library'))
    // The same real folder is visited once, whichever name reaches it first.
    expect(files).toHaveLength(1)
  })

  it('reports a dangling symlink named like a photo as a file it cannot read', async () => {
    await fs.symlink(path.join(dir, 'nothing.jpg'), path.join(dir, 'gone.jpg'))
    const { files } = await walkRoots([dir], path.join(dir, 'library'))
    expect(files).toHaveLength(1)
    expect(files[0]!.statError).toMatch(/no longer exists/)
  })

  it('handles unicode, spaces and very long paths', async () => {
    const deep = Array.from({ length: 8 }, (_, i) => `folder ${i} ${'é'.repeat(40)}`).join('/')
    const p = await touch(`${deep}/été à Paris 🌅.jpg`)
    expect(p.length).toBeGreaterThan(400)
    const { files } = await walkRoots([dir], path.join(dir, 'library'))
    expect(files.map((f) => f.path)).toEqual([p])
  })
})

describe('ignore rules', () => {
  it('ignores names the way the watcher needs', () => {
    expect(isIgnoredName('.DS_Store')).toBe(true)
    expect(isIgnoredName('Thumbs.db')).toBe(true)
    expect(isIgnoredName('@eaDir')).toBe(true)
    expect(isIgnoredName('photo.jpg.part')).toBe(true)
    expect(isIgnoredName('photo.jpg')).toBe(false)
    const ignore = makeIgnore(['/photos'], '/photos/.tessera')
    expect(ignore('/photos/a/.hidden/x.jpg')).toBe(true)
    expect(ignore('/photos/.tessera/db')).toBe(true)
    expect(ignore('/photos/a/x.jpg')).toBe(false)
    expect(ignore('/photos')).toBe(false)
  })
})
