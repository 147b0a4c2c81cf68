/**
 * Pair verification on worker threads (verify-pool.ts) and verdicts kept between runs (verdict-cache.ts):
 * the workers give exactly the verdicts of the same checks in this thread, whatever pictures each worker
 * holds when its list is tiny; a picture that cannot be read is refused with its reason, the others go on;
 * a verdict given once is not checked again in a later run, and is dropped with its content.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VERIFIER_RULES, VerdictCache } from '../../../src/engine/dupes/verdict-cache.js'
import { createPairVerifier, type VerifiablePhoto } from '../../../src/engine/dupes/verify-pair.js'
import { rng } from './support.js'

const W = 400
const H = 300

/** Random shapes (seeded) on a pale background. */
function shapes(seed: number): Buffer {
  const random = rng(seed)
  const colours = ['#c0392b', '#e67e22', '#2b6cc0', '#1f8e2b', '#f1c40f', '#5d4037']
  const parts = [`<rect width="${W}" height="${H}" fill="#f4e9d8"/>`]
  for (let k = 0; k < 60; k++) {
    const x = Math.round(random() * W)
    const y = Math.round(random() * H)
    const s = 8 + Math.round(random() * 36)
    parts.push(
      `<rect x="${x}" y="${y}" width="${s}" height="${s}" transform="rotate(${Math.round(random() * 90)} ${x} ${y})" fill="${colours[k % 6]}"/>`,
    )
  }
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`,
  )
}

/** Three pictures, each with two edits: 9 photos, and pairs within and across the pictures. */
const files = new Map<string, Buffer>()
const photos: VerifiablePhoto[] = []
const pairs: Array<[number, number]> = []

beforeAll(async () => {
  for (let s = 0; s < 3; s++) {
    const original = await sharp(shapes(s + 1))
      .jpeg({ quality: 90 })
      .toBuffer()
    const edits = [
      original,
      await sharp(original)
        .resize(W / 2, H / 2)
        .jpeg()
        .toBuffer(),
      await sharp(original).extract({ left: 30, top: 20, width: 340, height: 260 }).png().toBuffer(),
    ]
    edits.forEach((bytes, e) => {
      const p = `/pictures/${s}-${e}.jpg`
      files.set(p, bytes)
      photos.push({ id: `${s}-${e}`, path: p, hash: `${s}${e}`.padEnd(64, String(s)) })
    })
  }
  // Every pair, in an order that moves between pictures so that small lists must drop and take pictures back.
  for (let i = 0; i < photos.length; i++) for (let j = i + 1; j < photos.length; j++) pairs.push([i, j])
  pairs.sort(
    (x, y) => ((x[0] * 7 + x[1] * 3) % 11) - ((y[0] * 7 + y[1] * 3) % 11) || x[0] - y[0] || x[1] - y[1],
  )
}, 60_000)

async function verdicts(opts: Parameters<typeof createPairVerifier>[0]): Promise<string[]> {
  const verify = createPairVerifier(opts)
  try {
    const out: string[] = []
    for (let s = 0; s < pairs.length; s += verify.concurrency) {
      const batch = pairs.slice(s, s + verify.concurrency)
      const got = await Promise.all(batch.map(([i, j]) => verify(photos[i]!, photos[j]!)))
      got.forEach((v, k) => out.push(`${batch[k]!.join('~')} ${v.near} ${v.detail} ${v.inliers} ${v.reason}`))
    }
    return out
  } finally {
    await verify.close()
  }
}

const readFile = (p: string) => Promise.resolve(files.get(p)!)

describe('pair verification on worker threads', () => {
  it('gives the verdicts of this thread, even when each worker holds only 2 pictures', async () => {
    const here = await verdicts({ readFile, workers: 0 })
    const near = here.filter((l) => l.includes(' true ')).length
    // Within each picture the 3 pairs are edits; across pictures, none.
    expect(near).toBe(9)
    expect(await verdicts({ readFile, workers: 2, cacheSize: 2 })).toEqual(here)
  }, 120_000)

  it('refuses a pair whose picture cannot be read, with the reason, and goes on with the others', async () => {
    const broken = { id: 'broken', path: '/pictures/missing.jpg', hash: 'f'.repeat(64) }
    const verify = createPairVerifier({
      workers: 2,
      cacheSize: 2,
      readFile: (p) => (files.has(p) ? readFile(p) : Promise.reject(new Error(`ENOENT: ${p}`))),
    })
    try {
      const [bad, good, badAgain] = await Promise.all([
        verify(photos[0]!, broken),
        verify(photos[0]!, photos[1]!),
        verify(broken, photos[4]!),
      ])
      expect(bad.near).toBe(false)
      expect(bad.reason).toMatch(/Could not read the pictures: ENOENT: \/pictures\/missing\.jpg/)
      expect(badAgain.near).toBe(false)
      expect(badAgain.reason).toMatch(/Could not read/)
      expect(good.near).toBe(true)
    } finally {
      await verify.close()
    }
  }, 120_000)
})

describe('verdicts kept between runs', () => {
  let dir: string
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-verdicts-'))
  })
  afterAll(() => fs.rm(dir, { recursive: true, force: true }))

  it('keys a pair of contents in either order, per mirror option', () => {
    const a = 'a'.repeat(64)
    const b = 'b'.repeat(64)
    expect(VerdictCache.key(a, b, false)).toBe(VerdictCache.key(b, a, false))
    expect(VerdictCache.key(a, b, true)).not.toBe(VerdictCache.key(a, b, false))
  })

  it('checks a pair once: a later run answers from the file, without reading a picture', async () => {
    const file = path.join(dir, 'pair-verdicts.json')
    const first = createPairVerifier({ readFile, verdicts: await VerdictCache.open(file) })
    const proven = await first(photos[0]!, photos[2]!)
    const refused = await first(photos[0]!, photos[3]!)
    await first.close(new Set(photos.map((p) => p.hash!)))
    expect([proven.near, refused.near]).toEqual([true, false])

    const reads: string[] = []
    const cache = await VerdictCache.open(file)
    expect(cache.size).toBe(2)
    const second = createPairVerifier({
      readFile: (p) => {
        reads.push(p)
        return readFile(p)
      },
      verdicts: cache,
    })
    const again = await second(photos[2]!, photos[0]!)
    const refusedAgain = await second(photos[3]!, photos[0]!)
    await second.close()
    expect(reads).toEqual([])
    expect(again.near).toBe(true)
    // With the fit that similar shots read to tell the same framing.
    for (const k of ['score', 'inliers', 'scale', 'rotationDeg', 'overlap'] as const)
      expect(again[k]).toBe(proven[k])
    expect(again.reason).toMatch(/earlier run/)
    expect(refusedAgain.near).toBe(false)
  }, 60_000)

  it('drops the verdicts of contents no longer in the library, and all of them when the rules change', async () => {
    const file = path.join(dir, 'prune.json')
    const cache = await VerdictCache.open(file)
    const [a, b, c] = ['1', '2', '3'].map((d) => d.repeat(64))
    cache.set(VerdictCache.key(a!, b!, false), { near: true, score: 0.9 })
    cache.set(VerdictCache.key(b!, c!, false), { near: false, score: null })
    await cache.save(new Set([a!, b!]))
    const reopened = await VerdictCache.open(file)
    expect(reopened.size).toBe(1)
    expect(reopened.get(VerdictCache.key(a!, b!, false))).toMatchObject({ near: true, score: 0.9 })

    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { rules: string }
    expect(saved.rules).toBe(VERIFIER_RULES)
    await fs.writeFile(file, JSON.stringify({ ...saved, rules: 'older rules' }))
    expect((await VerdictCache.open(file)).size).toBe(0)
    await fs.writeFile(file, '{ "rules": "orb')
    expect((await VerdictCache.open(file)).size).toBe(0)
  })

  it('never stores "could not read", and an in-memory cache writes nothing', async () => {
    const file = path.join(dir, 'unread.json')
    const verify = createPairVerifier({
      readFile: () => Promise.reject(new Error('EIO')),
      verdicts: await VerdictCache.open(file),
    })
    expect((await verify(photos[0]!, photos[1]!)).near).toBe(false)
    await verify.close()
    await expect(fs.stat(file)).rejects.toThrow(/ENOENT/)
    const memory = VerdictCache.inMemory()
    memory.set(VerdictCache.key('a'.repeat(64), 'b'.repeat(64), false), { near: true, score: 1 })
    await memory.save()
    expect(memory.size).toBe(1)
  })
})
