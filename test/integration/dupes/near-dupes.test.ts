/**
 * Near-duplicate finding on a corpus generated from real photos (test/fixtures/near-dupes.ts), with the
 * product's own signals: the real decoder's pHash/dHash and the default pack's embedding through a PCA head
 * fitted on the corpus. Asserts recall and precision floors per transformation at the normal level, that
 * distinct photos and burst frames are never grouped as duplicates, and prints the measured table.
 */
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPairVerifier,
  exactNeighbours,
  findDuplicates,
  type DupeGroup,
  type DupeLevel,
  type DupePhoto,
} from '../../../src/engine/dupes/index.js'
import {
  makeNearDupeCorpus,
  NEAR_TRANSFORMS,
  type CorpusEntry,
  type NearTransform,
} from '../../fixtures/near-dupes.js'
import { tempDir } from '../support.js'
import { corpusSignals } from './corpus-signals.js'
import { pairRecall, scoreGroups, scoreTable, type CorpusScore } from './metrics.js'

/**
 * Recall floors at the normal level, with near pairs proven by the pixel verifier (issue 10: ≥ 0.95 for every
 * edit; before the verifier, crop80 was 0.68). This corpus (seed-5class sources and distinct photos only) is
 * the one the thresholds are tuned on; held-out-flowers.test.ts checks them on flowers17-40. Measured at
 * normal (2026-12-06): every edit 1.00 in groups (40/40), precision 1.000, no distinct photo or burst grouped.
 * The file takes 48 s at load 3.5 on 2 cores (about 3 minutes when the verifier decoded whole files).
 */
const RECALL_FLOOR: Record<NearTransform | 'exact-copy', number> = {
  'exact-copy': 1,
  resize50: 0.95,
  'jpeg-q40': 0.95,
  png: 0.95,
  webp: 0.95,
  grayscale: 0.95,
  brightness: 0.95,
  contrast: 0.95,
  watermark: 0.95,
  border5: 0.95,
  rotate3: 0.95,
  crop80: 0.95,
}
const PRECISION_FLOOR = 1
/**
 * Floors for each copy judged against its original alone (verified): 0.95 for every edit. Measured: 1.00 for
 * every edit but brightness, 0.975 (39/40): the +25 % brightening clips a white T-shirt on white
 * (Garment g11) away, so that neither its hashes (33 bits off) nor its embedding (cos 0.45) propose the pair,
 * though the pixels prove it when asked.
 */
const PAIR_RECALL_FLOOR: Partial<Record<NearTransform, number>> = {}

let dir: string
let entries: CorpusEntry[]
let photos: DupePhoto[]
/** Each file's 320 px thumbnail, as the library keeps it: what the verifier reads. */
const thumbnails = new Map<string, Buffer>()
/** The pixel-level proof of near pairs, as the engine runs it (one verifier, its caches, for the file). */
const verify = createPairVerifier({
  readThumbnail: (p) => Promise.resolve(thumbnails.get(p.path) ?? null),
})
const results = new Map<DupeLevel, { groups: DupeGroup[]; score: CorpusScore }>()
/** Each copy with its original alone, a library of two photos, verified: the share found near, per edit. */
const verifiedPairs = new Map<NearTransform, number>()

async function verifiedPairRecall(level: DupeLevel): Promise<Map<NearTransform, number>> {
  const byPath = new Map(photos.map((p) => [p.path, p]))
  const originalOf = new Map(entries.filter((e) => e.transform === 'original').map((e) => [e.source, e.path]))
  const counts = new Map<NearTransform, { found: number; of: number }>()
  for (const e of entries) {
    if (!(NEAR_TRANSFORMS as readonly string[]).includes(e.transform)) continue
    const pair = [byPath.get(originalOf.get(e.source)!)!, byPath.get(e.path)!]
    const groups = await findDuplicates(pair, {
      level,
      similar: false,
      neighbours: exactNeighbours(pair),
      verify,
    })
    const c = counts.get(e.transform as NearTransform) ?? { found: 0, of: 0 }
    c.of++
    if (groups.length > 0) c.found++
    counts.set(e.transform as NearTransform, c)
  }
  return new Map([...counts].map(([t, c]) => [t, c.found / c.of]))
}

beforeAll(async () => {
  dir = await tempDir('near-dupes')
  // Seed photos only: flowers17-40 is the held-out set (held-out-flowers.test.ts).
  entries = await makeNearDupeCorpus(dir, { sourcesPerClass: 8, distinctPerClass: 6, otherPerClass: 0 })
  photos = await corpusSignals(
    entries.map((e) => e.path),
    thumbnails,
  )
  for (const level of ['strict', 'normal', 'loose'] as const) {
    const groups = await findDuplicates(photos, {
      level,
      similar: true,
      neighbours: exactNeighbours(photos),
      verify,
    })
    results.set(level, { groups, score: scoreGroups(entries, groups) })
  }
  for (const [t, r] of await verifiedPairRecall('normal')) verifiedPairs.set(t, r)
}, 900_000)

afterAll(async () => {
  if (results.size === 3) {
    const table = scoreTable(Object.fromEntries([...results].map(([level, r]) => [level, r.score])))
    const pairs = (['strict', 'normal', 'loose'] as const).map((l) => pairRecall(entries, photos, l))
    const pairTable = [...pairs[0]!.keys()]
      .map((t) => `| ${t} | ${pairs.map((p) => p.get(t)!.toFixed(2)).join(' | ')} |`)
      .join('\n')
    console.log(
      `Near-duplicate corpus: ${entries.length} photos. Groups (recall: grouped with the original):\n${table}\n\n` +
        `Each copy verified against its original alone (normal): ${[...verifiedPairs].map(([t, r]) => `${t} ${r.toFixed(2)}`).join(', ')}\n\n` +
        `Each copy judged against its original alone by the signals, without verification (recall):\n| transformation | strict | normal | loose |\n` +
        `| --- | --- | --- | --- |\n${pairTable}`,
    )
  }
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

describe('the generated corpus', () => {
  it('holds every transformation of every source, bursts and distinct photos', () => {
    const count = (t: string) => entries.filter((e) => e.transform === t).length
    const sources = count('original')
    expect(sources).toBe(40)
    for (const t of Object.keys(RECALL_FLOOR)) expect(count(t), t).toBe(sources)
    expect(count('burst-a')).toBe(sources)
    expect(count('burst-b')).toBe(sources)
    expect(count('distinct')).toBe(30)
  })

  it('was decoded and embedded by the product (hashes, EXIF, unit 64-d embeddings)', () => {
    for (const p of photos) {
      expect(p.phash).toMatch(/^[0-9a-f]{16}$/)
      expect(p.embedding).toHaveLength(64)
      expect(Math.hypot(...p.embedding!)).toBeCloseTo(1, 4)
    }
    const originals = entries.filter((e) => e.transform === 'original').map((e) => e.path)
    const byId = new Map(photos.map((p) => [p.id, p]))
    for (const o of originals) expect(byId.get(o)!.takenAt).toMatch(/^2021-/)
  })
})

describe('findDuplicates at the normal level', () => {
  it.each(Object.keys(RECALL_FLOOR))('finds %s with its original, precisely', (transform) => {
    const s = results.get('normal')!.score.byTransform.find((t) => t.transform === transform)!
    expect(s.recall).toBeGreaterThanOrEqual(RECALL_FLOOR[transform as keyof typeof RECALL_FLOOR])
    expect(s.precision).toBeGreaterThanOrEqual(PRECISION_FLOOR)
  })

  it.each(Object.keys(RECALL_FLOOR).filter((t) => t !== 'exact-copy'))(
    'judges %s a near-duplicate of its original on its own',
    (transform) => {
      const recall = verifiedPairs.get(transform as NearTransform)!
      expect(recall).toBeGreaterThanOrEqual(PAIR_RECALL_FLOOR[transform as NearTransform] ?? 0.95)
    },
  )

  it('is precise over all duplicate pairs', () => {
    expect(results.get('normal')!.score.precision).toBeGreaterThanOrEqual(PRECISION_FLOOR)
  })

  it('reports the exact copies as exact groups, and only them', () => {
    const exact = results.get('normal')!.groups.filter((g) => g.kind === 'exact')
    expect(exact).toHaveLength(40)
    const kindOf = new Map(entries.map((e) => [e.path, e.transform]))
    for (const g of exact) {
      expect(g.photos.map((p) => kindOf.get(p)).sort()).toEqual(['exact-copy', 'original'])
      expect(g.reason).toMatch(/Identical files/)
    }
  })

  it('names a keeper and a reason for every group, the keeper first', () => {
    for (const g of results.get('normal')!.groups) {
      expect(g.photos[0]).toBe(g.keep)
      expect(new Set(g.photos).size).toBe(g.photos.length)
      expect(g.photos.length).toBeGreaterThan(1)
      expect(g.reason.length).toBeGreaterThan(5)
    }
    // The 5 % border makes the largest picture of each family: it is kept for its resolution.
    const kindOf = new Map(entries.map((e) => [e.path, e.transform]))
    const near = results.get('normal')!.groups.filter((g) => g.kind === 'near')
    for (const g of near.filter((g) => g.photos.some((p) => kindOf.get(p) === 'border5'))) {
      expect(kindOf.get(g.keep)).toBe('border5')
      expect(g.reason).toMatch(/^Highest resolution \(\d+×\d+\)$/)
    }
  })
})

describe.each(['strict', 'normal'] as const)('at the %s level', (level) => {
  it('never groups distinct photos as duplicates', () => {
    expect(results.get(level)!.score.distinctAsDuplicates).toEqual([])
  })

  it('never reports burst frames or other shots of the scene as duplicates', () => {
    expect(results.get(level)!.score.burstsAsDuplicates).toEqual([])
  })
})

describe('the similar tier', () => {
  it('holds the burst frames (same camera, a second apart), apart from the duplicates', () => {
    const s = results.get('normal')!.score.burstsFoundSimilar['burst-a']
    expect(s.found / s.of).toBeGreaterThanOrEqual(0.9)
  })

  it('never puts a photo in two groups of one tier', () => {
    for (const { groups } of results.values()) {
      for (const kind of ['exact', 'near', 'similar'] as const) {
        const ids = groups.filter((g) => g.kind === kind).flatMap((g) => g.photos)
        expect(new Set(ids).size).toBe(ids.length)
      }
    }
  })

  it('is left out unless asked for, and the duplicate groups stay the same', async () => {
    const groups = await findDuplicates(photos, {
      level: 'normal',
      similar: false,
      neighbours: exactNeighbours(photos),
      verify,
    })
    expect(groups.some((g) => g.kind === 'similar')).toBe(false)
    expect(groups).toEqual(results.get('normal')!.groups.filter((g) => g.kind !== 'similar'))
  })
})

it('gives the same groups in the same order whatever the input order', async () => {
  const shuffled = [...photos].reverse()
  const again = await findDuplicates(shuffled, {
    level: 'normal',
    similar: true,
    neighbours: exactNeighbours(shuffled),
    verify,
  })
  expect(again).toEqual(results.get('normal')!.groups)
})
