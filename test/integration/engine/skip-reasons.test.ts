import { execFileSync } from 'node:child_process'
import fs from 'node:fs/promises'
import { writeFileSync, mkdirSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Engine, type Problem } from '../../../src/engine/engine.js'
import type { LibraryWatcher } from '../../../src/engine/watch/library-watcher.js'
import { copyPhotos, MIRROR, seedPhotos, tempDir, waitFor } from '../support.js'

/**
 * Every entry named like a photo that Tessera does not index gets a reason in `status --problems` (which
 * prints `engine.problems()`), whether `index` or `watch` met it: a name that is not valid UTF-8 (shown
 * with its raw bytes escaped, not as "no longer exists"), a named pipe, a socket, a link to a device.
 */
let work: string
let photosDir: string
let engine: Engine
let watcher: LibraryWatcher | undefined
let server: net.Server | undefined

const latin1 = (s: string) => Buffer.from(s, 'latin1')

/** Creates the odd entries in `dir`; returns the path each is shown as, with the reason expected. */
async function oddEntries(dir: string): Promise<Array<{ shown: string; code: string; reason: RegExp }>> {
  const photo = await fs.readFile((await seedPhotos(1))[0]!)
  const dirBytes = Buffer.from(dir + path.sep)
  // "café.jpg" in Latin-1: the byte E9 alone is not UTF-8.
  writeFileSync(Buffer.concat([dirBytes, latin1('caf\xe9.jpg')]), photo)
  // A folder whose name is not UTF-8, with a photo in it.
  const oddFolder = Buffer.concat([dirBytes, latin1('d\xe9j\xe0 vu')])
  mkdirSync(oddFolder)
  writeFileSync(Buffer.concat([oddFolder, Buffer.from('/inside.jpg')]), photo)
  execFileSync('mkfifo', [path.join(dir, 'pipe.jpg')])
  await fs.symlink('/dev/zero', path.join(dir, 'zero.jpg'))
  server = net.createServer()
  await new Promise<void>((resolve) => server!.listen(path.join(dir, 'socket.jpg'), resolve))
  return [
    { shown: path.join(dir, 'caf\\xE9.jpg'), code: 'bad-name', reason: /^The file's name is not valid text/ },
    {
      shown: path.join(dir, 'd\\xE9j\\xE0 vu'),
      code: 'bad-name',
      reason: /^This folder's name is not valid/,
    },
    {
      shown: path.join(dir, 'pipe.jpg'),
      code: 'not-a-file',
      reason: /^This is a named pipe \(FIFO\), not a photo/,
    },
    { shown: path.join(dir, 'socket.jpg'), code: 'not-a-file', reason: /^This is a socket, not a photo/ },
    {
      shown: path.join(dir, 'zero.jpg'),
      code: 'not-a-file',
      reason: /^The file is a link to a device, not to a photo/,
    },
  ]
}

function expectReasons(problems: Problem[], expected: Awaited<ReturnType<typeof oddEntries>>): void {
  for (const e of expected) {
    const p = problems.find((x) => x.path === e.shown)
    expect(p, `${e.shown} in ${JSON.stringify(problems, null, 1)}`).toBeDefined()
    expect(p!.code).toBe(e.code)
    expect(p!.reason).toMatch(e.reason)
    expect(p!.reason).not.toMatch(/no longer exists/)
  }
  expect(problems).toHaveLength(expected.length)
}

beforeEach(async () => {
  work = await tempDir('skips')
  photosDir = path.join(work, 'photos')
  await copyPhotos(await seedPhotos(1), photosDir)
  engine = await Engine.open({ libraryDir: path.join(work, 'library'), modelMirror: MIRROR })
})
afterEach(async () => {
  await watcher?.close()
  watcher = undefined
  await new Promise((r) => (server ? server.close(r) : r(undefined)))
  server = undefined
  await engine.close()
  await fs.rm(work, { recursive: true, force: true })
})

describe('skipped files have a reason', () => {
  it('under index, and again on a rescan (nothing read, nothing hangs on the pipe)', async () => {
    const expected = await oddEntries(photosDir)
    const summary = await engine.index([photosDir])
    expect(summary.indexed).toBe(5)
    expect(summary.failed.map((f) => f.path).sort()).toEqual(expected.map((e) => e.shown).sort())
    expectReasons(await engine.problems(), expected)
    const again = await engine.index()
    expect(again.indexed).toBe(0)
    expectReasons(await engine.problems(), expected)
    // Renamed to valid names, they are photos like any other; the problems leave.
    await fs.rename(
      Buffer.concat([Buffer.from(photosDir + '/'), latin1('caf\xe9.jpg')]),
      path.join(photosDir, 'cafe.jpg'),
    )
    await engine.index()
    expect((await engine.problems()).map((p) => p.path)).not.toContain(expected[0]!.shown)
    expect((await engine.photoByPath(path.join(photosDir, 'cafe.jpg')))?.status).toBe('ok')
  })

  describe.each([
    ['native events', false],
    ['polling', true],
  ])('under watch with %s', (_name, polling) => {
    it('records each with its reason as it appears', async () => {
      await engine.index([photosDir])
      await engine.updateSettings({ polling })
      watcher = await engine.watch({ stableMs: 300, quietMs: 200, maxWaitMs: 1000 })
      const expected = await oddEntries(photosDir)
      const problems = await waitFor(
        'a reason for every odd entry',
        async () => {
          const list = await engine.problems()
          return expected.every((e) => list.some((p) => p.path === e.shown)) && list
        },
        60_000,
      )
      expectReasons(problems, expected)
      if (!polling) {
        // Deleted, the file with the odd name leaves the problems too.
        await fs.rm(Buffer.concat([Buffer.from(photosDir + '/'), latin1('caf\xe9.jpg')]))
        await waitFor('the odd name gone', async () =>
          (await engine.problems()).every((p) => p.path !== expected[0]!.shown),
        )
      }
    })
  })
})
