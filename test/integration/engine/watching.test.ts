import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import type { LibraryWatcher } from '../../../src/engine/watch/library-watcher.js'
import { copyPhotos, MIRROR, seedPhotos, tempDir, waitFor } from '../support.js'

let work: string
let photosDir: string
let engine: Engine
let watcher: LibraryWatcher | undefined
let batches: number

async function start(polling: boolean, stableMs = 400, maxWaitMs?: number) {
  await engine.updateSettings({ polling })
  watcher = await engine.watch({ stableMs, quietMs: 300, maxWaitMs, onBatch: () => batches++ })
}

/** `n` small distinct JPEGs (64 × 48, a colour gradient and a bar that move with i). */
async function tinyJpegs(dir: string, n: number): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true })
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const w = 64
    const h = 48
    const px = Buffer.alloc(w * h * 3)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3
        px[o] = (x * 4 + i * 7) & 255
        px[o + 1] = (y * 5 + i * 13) & 255
        px[o + 2] = Math.abs(x - (i % w)) < 4 ? 255 : (i * 29) & 255
      }
    const file = path.join(dir, `card-${String(i).padStart(3, '0')}.jpg`)
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(file)
    out.push(file)
  }
  return out
}

beforeEach(async () => {
  work = await tempDir('watch')
  photosDir = path.join(work, 'photos')
  await copyPhotos(await seedPhotos(1), photosDir)
  engine = await Engine.open({ libraryDir: path.join(work, 'library'), modelMirror: MIRROR })
  await engine.index([photosDir])
  batches = 0
})
afterEach(async () => {
  await watcher?.close()
  watcher = undefined
  await engine.close()
  await fs.rm(work, { recursive: true, force: true })
})

const row = (p: string) => engine.photoByPath(p)

describe.each([
  ['native events', false],
  ['polling', true],
])('watching with %s', (_name, polling) => {
  it('picks up new, changed, renamed and deleted files while running', async () => {
    await start(polling)
    const [extra] = await seedPhotos(2).then((all) =>
      all.filter((p) => p.endsWith('2.jpg') || p.includes('_2')).slice(0, 1),
    )
    const added = path.join(photosDir, 'new arrival.jpg')
    await fs.copyFile(extra ?? (await seedPhotos(2))[1]!, added)
    const addedRow = await waitFor('the new file', async () => {
      const r = await row(added)
      return r?.embedding ? r : undefined
    })
    expect(addedRow.status).toBe('ok')

    // Changed content: same identity, new hash.
    const existing = (await engine.store.query()).find((r) => r.path !== added)!
    await fs.copyFile(added, existing.path)
    await waitFor('the changed file', async () => (await row(existing.path))?.hash === addedRow.hash)
    expect((await row(existing.path))?.id).toBe(existing.id)

    // Rename: identity kept.
    const renamed = path.join(photosDir, 'renamed.jpg')
    await fs.rename(added, renamed)
    await waitFor(
      'the rename',
      async () => (await row(renamed)) !== undefined && (await row(added)) === undefined,
    )
    expect((await row(renamed))?.id).toBe(addedRow.id)

    // Delete.
    await fs.rm(renamed)
    await waitFor('the deletion', async () => (await row(renamed)) === undefined)
    expect(await engine.store.count()).toBe(5)
  })
})

describe('watching', () => {
  it('indexes a long copy as it goes, not only after it ends', async () => {
    // A camera card copied at about 10 photos a second for 30 s. Events never pause for the 0.3 s of quiet
    // a batch used to wait for, so a debounce alone indexed nothing until the copy ended; with a batch at
    // least every second (maxWaitMs) the library fills as the copy goes. The copy needs only a third of
    // the photos indexed by its end: on a quiet machine it is almost all of them (see the log).
    const cards = await tinyJpegs(path.join(work, 'card'), 300)
    await start(false, 400, 1000)
    const before = await engine.store.count()
    const copied = path.join(photosDir, 'DCIM')
    await fs.mkdir(copied)
    const began = Date.now()
    for (let i = 0; i < cards.length; i++) {
      await fs.copyFile(cards[i]!, path.join(copied, path.basename(cards[i]!)))
      // Paced against the clock, not per file: a slow copy does not drift below 10 a second.
      const ahead = began + (i + 1) * 100 - Date.now()
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead))
    }
    const copySeconds = (Date.now() - began) / 1000
    const duringCopy = (await engine.store.count()) - before
    await waitFor('all 300 copied photos', async () => (await engine.store.count()) - before === 300, 150_000)
    const rows = (await engine.store.query()).filter((r) => r.path.startsWith(copied))
    console.log(
      `copy of 300 in ${copySeconds.toFixed(1)} s: ${duringCopy} indexed before it ended, ${batches} batches`,
    )
    expect(duringCopy).toBeGreaterThanOrEqual(100)
    expect(rows).toHaveLength(300)
    expect(rows.every((r) => r.status === 'ok' && r.featureModel !== null)).toBe(true)
  })

  it('does not read a file before it is completely written', async () => {
    // A file is read once its size has not changed for 2.5 s (stableMs); batches close after 0.3 s of
    // quiet. The check below sits 0.5 s before the earliest moment the file may be read, so a stalled
    // event loop cannot flip it (it sat 0.1 s away with a 0.4 s stableMs).
    await start(false, 2500)
    const source = await fs.readFile((await seedPhotos(2))[1]!)
    const target = path.join(photosDir, 'slow copy.jpg')
    const handle = await fs.open(target, 'w')
    const half = Math.floor(source.length / 2)
    await handle.write(source, 0, half)
    // Still being written after 1 s: a watcher that only waited for quiet would have read it at 0.3 s.
    await new Promise((r) => setTimeout(r, 1000))
    await handle.write(source, half, source.length - half)
    // At 3 s, 2 s after the last write: still not read (it may be read from 3.5 s on).
    await new Promise((r) => setTimeout(r, 2000))
    expect(await row(target)).toBeUndefined()
    await handle.close()
    const done = await waitFor('the completed file', async () => row(target))
    expect(done.status).toBe('ok')
    expect(done.size).toBe(source.length)
    expect((await engine.problems()).map((p) => p.path)).not.toContain(target)
  })

  it('ignores hidden folders, OS junk and files that are not photos', async () => {
    await start(false)
    await fs.mkdir(path.join(photosDir, '.hidden'))
    const photo = (await seedPhotos(1))[0]!
    await fs.copyFile(photo, path.join(photosDir, '.hidden', 'secret.jpg'))
    await fs.writeFile(path.join(photosDir, '.DS_Store'), 'junk')
    await fs.writeFile(path.join(photosDir, 'notes.txt'), 'text')
    await fs.mkdir(path.join(photosDir, '@eaDir'))
    await fs.copyFile(photo, path.join(photosDir, '@eaDir', 'thumb.jpg'))
    // A marker file that is watched, so we know the watcher has handled everything before it.
    const marker = path.join(photosDir, 'marker.jpg')
    await fs.copyFile(photo, marker)
    await waitFor('the marker', async () => row(marker))
    await watcher!.idle()
    const paths = (await engine.store.query()).map((r) => r.path)
    expect(paths.filter((p) => p.includes('.hidden') || p.includes('@eaDir'))).toEqual([])
    expect(paths).toHaveLength(6)
  })

  it('does not hang on a symlink loop inside a root', async () => {
    await fs.symlink(photosDir, path.join(photosDir, 'loop'))
    await start(false)
    const s = await engine.index()
    expect(s.unchanged).toBe(5)
    const marker = path.join(photosDir, 'after-loop.jpg')
    await fs.copyFile((await seedPhotos(1))[0]!, marker)
    await waitFor('a file added after the loop', async () => row(marker))
  })
})
