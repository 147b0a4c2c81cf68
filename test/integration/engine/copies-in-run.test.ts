// Copies found in the same run reuse the first one's work (issue 10, point 4): a file whose content hash
// this run is already decoding is not decoded again; it waits for that decode and is stored as a copy row
// of its own. Counters from the index report, no timing.
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureDate } from '../../../src/engine/dates/capture-date.js'
import { Engine } from '../../../src/engine/engine.js'
import { MIRROR, seedPhotos, tempDir } from '../support.js'

const IMAGES = 5
const FILES = 200

let work: string
let engine: Engine

const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await fs.readFile(p))
    .digest('hex')

beforeAll(async () => {
  work = await tempDir('copies-in-run')
  engine = await Engine.open({ libraryDir: path.join(work, 'library'), modelMirror: MIRROR })
})
afterAll(async () => {
  await engine.close()
  await fs.rm(work, { recursive: true, force: true })
})

describe('copies found in the same run', () => {
  it(`decodes ${IMAGES} images once among ${FILES} hard links and copies, every file a row of its own`, async () => {
    const dir = path.join(work, 'photos')
    await fs.mkdir(dir, { recursive: true })
    const originals = (await seedPhotos(1)).slice(0, IMAGES) // one photo of each seed class
    expect(originals).toHaveLength(IMAGES)
    const paths: string[] = []
    // Interleaved (copy k of every image before copy k + 1), so copies meet their first while it is decoded.
    for (let k = 0; k < FILES / IMAGES; k++) {
      for (const [i, original] of originals.entries()) {
        const p = path.join(dir, `img${i}-copy${String(k).padStart(3, '0')}.jpg`)
        if (k === 0) await fs.copyFile(original, p)
        else if (k % 2 === 1) await fs.link(path.join(dir, `img${i}-copy000.jpg`), p)
        else {
          // A copy of its own with its own file time: its date (when it comes from the file time) is its own.
          await fs.copyFile(original, p)
          const t = new Date(Date.UTC(2020, 0, 1 + k, 12))
          await fs.utimes(p, t, t)
        }
        paths.push(p)
      }
    }

    const s = await engine.index([dir])
    expect(s).toMatchObject({
      decoded: IMAGES,
      indexed: IMAGES,
      copies: FILES - IMAGES,
      failed: [],
      pending: 0,
    })

    const rows = await engine.store.query()
    expect(rows).toHaveLength(FILES)
    expect(new Set(rows.map((r) => r.id)).size).toBe(FILES)
    expect(new Set(rows.map((r) => r.path))).toEqual(new Set(paths))
    const byHash = new Map<string, typeof rows>()
    for (const r of rows) {
      expect(r.status).toBe('ok')
      expect(r.hash).toBe(await sha256(r.path))
      expect(r.feature?.length).toBe(1280)
      expect(r.embedding?.length).toBe(64)
      expect(r.phash).toMatch(/^[0-9a-f]{16}$/)
      const stat = await fs.stat(r.path)
      expect(r.size).toBe(stat.size)
      expect(Math.abs(r.mtimeMs - stat.mtimeMs)).toBeLessThan(1) // stored in whole milliseconds
      expect(r.root).toBe(dir)
      // The date of a copy whose date comes from its file time is its own file time.
      if (r.dateSource === 'mtime')
        expect(r.takenAt).toBe(
          captureDate({ fileName: path.basename(r.path), mtimeMs: stat.mtimeMs }).takenAt,
        )
      byHash.set(r.hash!, [...(byHash.get(r.hash!) ?? []), r])
    }
    expect(byHash.size).toBe(IMAGES)
    for (const [hash, group] of byHash) {
      expect(group).toHaveLength(FILES / IMAGES)
      expect(await engine.thumbnails.has(hash)).toBe(true)
      const [first, ...others] = group
      for (const o of others) {
        expect(Buffer.from(o.feature!).equals(Buffer.from(first!.feature!))).toBe(true)
        expect(o.embedding).toEqual(first!.embedding)
        expect([o.width, o.height, o.phash, o.dhash, o.format]).toEqual([
          first!.width,
          first!.height,
          first!.phash,
          first!.dhash,
          first!.format,
        ])
      }
    }
  })

  it('features of the copies are those of the photo indexed alone', async () => {
    // A second library indexes the five originals, one file each: the same feature per content hash.
    const alone = await Engine.open({ libraryDir: path.join(work, 'library-alone'), modelMirror: MIRROR })
    try {
      const dir = path.join(work, 'alone')
      await fs.mkdir(dir, { recursive: true })
      for (const [i, original] of (await seedPhotos(1)).slice(0, IMAGES).entries())
        await fs.copyFile(original, path.join(dir, `alone${i}.jpg`))
      expect(await alone.index([dir])).toMatchObject({ decoded: IMAGES, copies: 0 })
      const reference = new Map((await alone.store.query()).map((r) => [r.hash!, r.feature!]))
      const rows = await engine.store.query()
      for (const r of rows) {
        const ref = reference.get(r.hash!)
        expect(ref).toBeDefined()
        // Same bytes, same decode: the uint8 feature codes agree to within one step (batch composition may
        // change onnxruntime's int8 kernels' rounding by one code at most).
        const diff = Math.max(...r.feature!.map((v, k) => Math.abs(v - ref![k]!)))
        expect(diff).toBeLessThanOrEqual(1)
      }
    } finally {
      await alone.close()
    }
  })

  it('copies of a file that fails to decode fail with the same reason, decoded once', async () => {
    const dir = path.join(work, 'broken')
    await fs.mkdir(dir, { recursive: true })
    // A JPEG cut short after its header: the decoder refuses it.
    const jpeg = await fs.readFile((await seedPhotos(1))[0]!)
    const broken = path.join(dir, 'broken000.jpg')
    await fs.writeFile(broken, jpeg.subarray(0, 600))
    for (let k = 1; k < 10; k++)
      await fs.link(broken, path.join(dir, `broken${String(k).padStart(3, '0')}.jpg`))
    const s = await engine.index([dir])
    expect(s).toMatchObject({ decoded: 1, indexed: 0, copies: 0, unchanged: 0 })
    expect(s.failed).toHaveLength(10)
    expect(new Set(s.failed.map((f) => f.reason)).size).toBe(1)
    const problems = await engine.problems()
    expect(problems.filter((p) => p.path.startsWith(dir))).toHaveLength(10)
  })
})
