/**
 * Folders reached through a symbolic link (a linked ~/Pictures, or a datasets folder linked beside a
 * clone): the library stores real paths, and every path the user gives later through the link still
 * names the same photos. Seen when ../shared was a link: eval found one class, albums add found nothing.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli, SEED, tempDir } from '../support.js'

describe('a photo folder reached through a link', () => {
  let work: string
  let linked: string
  let library: string
  const classes = ['Dog', 'Vehicle']

  beforeAll(async () => {
    work = await tempDir('linked')
    const real = path.join(work, 'real-pictures')
    for (const cls of classes) {
      await fs.mkdir(path.join(real, cls), { recursive: true })
      const files = (await fs.readdir(path.join(SEED, cls))).filter((f) => /\.jpe?g$/i.test(f)).sort()
      for (const f of files.slice(0, 4)) await fs.copyFile(path.join(SEED, cls, f), path.join(real, cls, f))
    }
    linked = path.join(work, 'Pictures')
    await fs.symlink(real, linked)
    library = path.join(work, 'lib')
    const res = await runCli(['index', linked, '--library', library, '--json', '-q'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ indexed: 8 })
  })

  it('finds photos by their linked path: similar, albums, folder filter', async () => {
    const dogs = (await fs.readdir(path.join(linked, 'Dog'))).sort().map((f) => path.join(linked, 'Dog', f))
    const similar = await runCli(['similar', dogs[0]!, '--top', '3', '--library', library, '--json'])
    expect(similar.code).toBe(0)
    expect(JSON.parse(similar.stdout)).toHaveLength(3)

    expect((await runCli(['albums', 'create', 'Dogs', '--library', library])).code).toBe(0)
    const added = await runCli(['albums', 'add', 'Dogs', ...dogs, '--library', library, '--json'])
    expect(added.code).toBe(0)
    expect(JSON.parse(added.stdout)).toMatchObject({ added: 4 })

    const inFolder = await runCli([
      'similar',
      dogs[0]!,
      '--top',
      '10',
      '--folder',
      path.join(linked, 'Vehicle'),
      '--library',
      library,
      '--json',
    ])
    const hits = JSON.parse(inFolder.stdout) as Array<{ path: string }>
    expect(hits).toHaveLength(4)
    for (const h of hits) expect(h.path).toContain(`${path.sep}Vehicle${path.sep}`)
  })

  it('evaluates a labelled folder given through its link, class by class', async () => {
    const res = await runCli(['eval', linked, '--json', '-q'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ photos: 8, classes: 2 })
  })
})
