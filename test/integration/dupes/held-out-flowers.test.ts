/**
 * The held-out check of the near-duplicate thresholds (issue 10, point 5): they were tuned on the seed-5class
 * corpus (near-dupes.test.ts); here the same edits are made of flowers17-40 photos, which the tuning never
 * saw. Asserts that no distinct photos are grouped at strict and normal (distinct: neither an edit of one
 * another nor a pair of test/fixtures/flowers17-40-duplicates.json, the set's own duplicates, found by eye),
 * and recall ≥ 0.95 for every edit at normal.
 *
 * Measured (2026-12-06, 612 photos: 34 sources, 2 per class, with their edits and bursts, 102 distinct): at
 * strict and at normal every edit 34/34 (1.000), 0 distinct photos and 0 burst frames grouped, 1 fixture
 * pair grouped (allowed). The first run, with the thresholds as tuned on seed-5class, passed: nothing was
 * changed after looking at this set.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPairVerifier,
  exactNeighbours,
  findDuplicates,
  type DupeGroup,
  type DupePhoto,
} from '../../../src/engine/dupes/index.js'
import {
  DATASETS_DIR,
  makeNearDupeCorpus,
  NEAR_TRANSFORMS,
  type CorpusEntry,
  type NearTransform,
} from '../../fixtures/near-dupes.js'
import { tempDir } from '../support.js'
import { corpusSignals } from './corpus-signals.js'
import { flowersDuplicates } from './flowers-fixture.js'

const FLOWERS = path.join(DATASETS_DIR, 'flowers17-40')

/**
 * Recall floor per edit at normal: 0.95 for every edit, none documented as hard. With 34 copies of each edit,
 * 0.95 allows one miss (33/34 = 0.97); measured 34/34 for every edit (a margin of two copies).
 */
const RECALL_FLOOR = 0.95

const LEVELS = ['strict', 'normal'] as const
type Level = (typeof LEVELS)[number]

let dir: string
let entries: CorpusEntry[]
let photos: DupePhoto[]
const thumbnails = new Map<string, Buffer>()
const verify = createPairVerifier({
  readThumbnail: (p) => Promise.resolve(thumbnails.get(p.path) ?? null),
})
const groupsAt = new Map<Level, DupeGroup[]>()

/** The photo of flowers17-40 an entry comes from, as "Class/image_0001.jpg". */
const sourceName = (e: CorpusEntry) => path.relative(FLOWERS, e.source).split(path.sep).join('/')

interface HeldOutScore {
  /** Per edit: the share grouped (exact or near) with their original. */
  recall: Map<NearTransform, { found: number; of: number }>
  /** Photos grouped with a photo that is neither from their source nor a fixture duplicate of it. */
  distinctGrouped: string[]
  /** Burst frames grouped as duplicates with anything. */
  burstsGrouped: string[]
  /** Pairs of different sources grouped, each a fixture pair (allowed). */
  fixturePairsGrouped: Set<string>
}

function score(groups: DupeGroup[], fixture: Set<string>): HeldOutScore {
  const byPath = new Map(entries.map((e) => [e.path, e]))
  const groupOf = new Map<string, number>()
  groups.forEach((g, k) => {
    if (g.kind !== 'similar') for (const p of g.photos) groupOf.set(p, k)
  })
  // A family: a source's original, exact copy and edits. Bursts and distinct photos stand alone.
  const family = (e: CorpusEntry) =>
    e.transform === 'distinct' || e.transform.startsWith('burst') ? e.path : e.source
  const distinctGrouped = new Set<string>()
  const burstsGrouped: string[] = []
  const fixturePairsGrouped = new Set<string>()
  for (const g of groups) {
    if (g.kind === 'similar') continue
    const members = g.photos.map((p) => byPath.get(p)!)
    for (const a of members) {
      if (a.transform.startsWith('burst')) burstsGrouped.push(a.path)
      for (const b of members) {
        if (a === b || family(a) === family(b)) continue
        const pair = [sourceName(a), sourceName(b)].sort().join(' ')
        if (fixture.has(pair)) fixturePairsGrouped.add(pair)
        else distinctGrouped.add(a.path)
      }
    }
  }
  const originalOf = new Map(entries.filter((e) => e.transform === 'original').map((e) => [e.source, e.path]))
  const recall = new Map<NearTransform, { found: number; of: number }>()
  for (const e of entries) {
    if (!(NEAR_TRANSFORMS as readonly string[]).includes(e.transform)) continue
    const r = recall.get(e.transform as NearTransform) ?? { found: 0, of: 0 }
    r.of++
    const mine = groupOf.get(e.path)
    if (mine !== undefined && mine === groupOf.get(originalOf.get(e.source)!)) r.found++
    recall.set(e.transform as NearTransform, r)
  }
  return { recall, distinctGrouped: [...distinctGrouped].sort(), burstsGrouped, fixturePairsGrouped }
}

let fixture: Set<string>
const scores = new Map<Level, HeldOutScore>()

beforeAll(async () => {
  fixture = new Set((await flowersDuplicates()).map((p) => [p.a, p.b].sort().join(' ')))
  dir = await tempDir('held-out-flowers')
  entries = await makeNearDupeCorpus(dir, {
    sourceSet: 'flowers17-40',
    sourcesPerClass: 2,
    distinctPerClass: 6,
    otherPerClass: 0,
  })
  photos = await corpusSignals(
    entries.map((e) => e.path),
    thumbnails,
  )
  for (const level of LEVELS) {
    const groups = await findDuplicates(photos, {
      level,
      similar: false,
      neighbours: exactNeighbours(photos),
      verify,
    })
    groupsAt.set(level, groups)
    scores.set(level, score(groups, fixture))
  }
}, 900_000)

afterAll(async () => {
  if (scores.size === LEVELS.length) {
    const lines = [...scores.get('normal')!.recall.keys()].map(
      (t) =>
        `| ${t} | ${LEVELS.map((l) => {
          const r = scores.get(l)!.recall.get(t)!
          return `${r.found}/${r.of} (${(r.found / r.of).toFixed(3)})`
        }).join(' | ')} |`,
    )
    console.log(
      `Held-out corpus (flowers17-40 sources): ${entries.length} photos. Recall (grouped with the original):\n` +
        `| edit | strict | normal |\n| --- | --- | --- |\n${lines.join('\n')}\n` +
        LEVELS.map(
          (l) =>
            `${l}: distinct photos grouped ${scores.get(l)!.distinctGrouped.length}, bursts grouped ` +
            `${scores.get(l)!.burstsGrouped.length}, fixture pairs grouped ${scores.get(l)!.fixturePairsGrouped.size}`,
        ).join('\n'),
    )
  }
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

describe('the held-out corpus', () => {
  it('holds every edit of 34 flowers17-40 photos and 102 distinct ones', () => {
    const count = (t: string) => entries.filter((e) => e.transform === t).length
    expect(count('original')).toBe(34)
    for (const t of NEAR_TRANSFORMS) expect(count(t), t).toBe(34)
    expect(count('distinct')).toBe(102)
    expect(entries.every((e) => e.source.startsWith(FLOWERS))).toBe(true)
  })

  it('includes photos of the fixture, so that its pairs are exercised', () => {
    const names = new Set(entries.map(sourceName))
    const present = [...fixture].filter((pair) => pair.split(' ').every((n) => names.has(n)))
    expect(present.length).toBeGreaterThan(0)
  })
})

describe.each(LEVELS)('at the %s level', (level) => {
  it('never groups distinct photos (not an edit pair, not a fixture pair)', () => {
    expect(scores.get(level)!.distinctGrouped).toEqual([])
  })

  it('never groups burst frames as duplicates', () => {
    expect(scores.get(level)!.burstsGrouped).toEqual([])
  })
})

describe('recall at the normal level', () => {
  it.each(NEAR_TRANSFORMS)('finds %s with its original', (t) => {
    const r = scores.get('normal')!.recall.get(t)!
    expect(r.found / r.of).toBeGreaterThanOrEqual(RECALL_FLOOR)
  })
})
