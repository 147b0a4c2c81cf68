/**
 * Scores duplicate groups against the corpus manifest. A "family" is a source's original, its exact copy and
 * its near-duplicate transformations; bursts and distinct photos are families of their own.
 * - recall of a transformation: the share of its photos grouped (exact or near) with their original;
 * - precision of a transformation: of the photos grouped with one of its photos, the share from its family;
 * - bursts and distinct photos grouped as duplicates are counted apart (they must be 0).
 */
import {
  judgePair,
  LEVELS,
  type DupeGroup,
  type DupeLevel,
  type DupePhoto,
} from '../../../src/engine/dupes/index.js'
import type { CorpusEntry, CorpusTransform } from '../../fixtures/near-dupes.js'

export interface TransformScore {
  transform: CorpusTransform
  photos: number
  recall: number
  precision: number
}

export interface CorpusScore {
  byTransform: TransformScore[]
  /** Over all pairs of photos grouped as duplicates: the share from one family. */
  precision: number
  /** Bursts grouped as duplicates with anything. */
  burstsAsDuplicates: string[]
  /** Distinct photos grouped as duplicates with anything. */
  distinctAsDuplicates: string[]
  /** Bursts in a similar group with (the group of) their original, by kind. */
  burstsFoundSimilar: Record<'burst-a' | 'burst-b', { found: number; of: number }>
  /** Near-duplicates not grouped with their original as duplicates but found similar to it. */
  missedButSimilar: number
  missed: number
  bursts: number
  /** Distinct photos in a similar group. */
  distinctInSimilar: number
  distinct: number
}

function family(e: CorpusEntry): string {
  return e.transform === 'distinct' || e.transform.startsWith('burst') ? `${e.path}#alone` : e.source
}

class Clusters {
  private readonly parent = new Map<string, string>()
  find(x: string): string {
    let p = this.parent.get(x) ?? x
    if (p !== x) {
      p = this.find(p)
      this.parent.set(x, p)
    }
    return p
  }
  union(a: string, b: string): void {
    const ra = this.find(a)
    const rb = this.find(b)
    if (ra !== rb) this.parent.set(ra, rb)
  }
}

export function scoreGroups(entries: CorpusEntry[], groups: DupeGroup[]): CorpusScore {
  const dup = new Clusters()
  for (const g of groups) if (g.kind !== 'similar') for (const p of g.photos) dup.union(g.photos[0]!, p)
  const wide = new Clusters()
  for (const g of groups) for (const p of g.photos) wide.union(g.photos[0]!, p)

  const members = new Map<string, CorpusEntry[]>()
  for (const e of entries) {
    const root = dup.find(e.path)
    members.set(root, [...(members.get(root) ?? []), e])
  }
  const originalOf = new Map(entries.filter((e) => e.transform === 'original').map((e) => [e.source, e.path]))

  const byTransform = new Map<
    CorpusTransform,
    { photos: number; found: number; good: number; pairs: number }
  >()
  let goodPairs = 0
  let allPairs = 0
  const burstsAsDuplicates: string[] = []
  const distinctAsDuplicates: string[] = []
  const burstsFoundSimilar = { 'burst-a': { found: 0, of: 0 }, 'burst-b': { found: 0, of: 0 } }
  let bursts = 0
  let missed = 0
  let missedButSimilar = 0
  let distinctInSimilar = 0
  let distinct = 0
  const wideSize = new Map<string, number>()
  for (const e of entries) wideSize.set(wide.find(e.path), (wideSize.get(wide.find(e.path)) ?? 0) + 1)

  for (const e of entries) {
    const mates = members.get(dup.find(e.path))!.filter((m) => m !== e)
    const good = mates.filter((m) => family(m) === family(e)).length
    goodPairs += good
    allPairs += mates.length
    if (e.transform === 'distinct') {
      distinct++
      if (mates.length > 0) distinctAsDuplicates.push(e.path)
      if (wideSize.get(wide.find(e.path))! > 1) distinctInSimilar++
      continue
    }
    if (e.transform.startsWith('burst')) {
      bursts++
      if (mates.length > 0) burstsAsDuplicates.push(e.path)
      const kind = burstsFoundSimilar[e.transform as 'burst-a' | 'burst-b']
      kind.of++
      if (wide.find(e.path) === wide.find(originalOf.get(e.source)!)) kind.found++
      continue
    }
    if (e.transform === 'original') continue
    const s = byTransform.get(e.transform) ?? { photos: 0, found: 0, good: 0, pairs: 0 }
    s.photos++
    if (dup.find(e.path) === dup.find(originalOf.get(e.source)!)) s.found++
    else {
      missed++
      if (wide.find(e.path) === wide.find(originalOf.get(e.source)!)) missedButSimilar++
    }
    s.good += good
    s.pairs += mates.length
    byTransform.set(e.transform, s)
  }
  return {
    byTransform: [...byTransform.entries()].map(([transform, s]) => ({
      transform,
      photos: s.photos,
      recall: s.found / s.photos,
      precision: s.pairs === 0 ? 1 : s.good / s.pairs,
    })),
    precision: allPairs === 0 ? 1 : goodPairs / allPairs,
    burstsAsDuplicates,
    distinctAsDuplicates,
    burstsFoundSimilar,
    missed,
    missedButSimilar,
    bursts,
    distinctInSimilar,
    distinct,
  }
}

/** A Markdown table of per-transformation scores, a recall and a precision column per level. */
export function scoreTable(scores: Record<string, CorpusScore>): string {
  const levels = Object.keys(scores)
  const first = scores[levels[0]!]!
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  const perLevel = (pick: (s: CorpusScore) => [string, string]) => levels.flatMap((l) => pick(scores[l]!))
  const ratio = (a: number, b: number) => `${a}/${b}`
  return [
    line(['transformation', 'photos', ...levels.flatMap((l) => [`${l} recall`, `${l} precision`])]),
    line(['---', '---', ...levels.flatMap(() => ['---', '---'])]),
    ...first.byTransform.map((t, i) =>
      line([
        t.transform,
        String(t.photos),
        ...perLevel((s) => [s.byTransform[i]!.recall.toFixed(2), s.byTransform[i]!.precision.toFixed(2)]),
      ]),
    ),
    line(['all duplicate pairs', '', ...perLevel((s) => ['', s.precision.toFixed(3)])]),
    line(['missed, but found similar', '', ...perLevel((s) => [ratio(s.missedButSimilar, s.missed), ''])]),
    line([
      'bursts grouped as duplicates',
      '',
      ...perLevel((s) => [ratio(s.burstsAsDuplicates.length, s.bursts), '']),
    ]),
    ...(['burst-a', 'burst-b'] as const).map((k) =>
      line([
        `${k} found similar`,
        '',
        ...perLevel((s) => [ratio(s.burstsFoundSimilar[k].found, s.burstsFoundSimilar[k].of), '']),
      ]),
    ),
    line([
      'distinct grouped as duplicates',
      '',
      ...perLevel((s) => [ratio(s.distinctAsDuplicates.length, s.distinct), '']),
    ]),
    line([
      'distinct in a similar group',
      '',
      ...perLevel((s) => [ratio(s.distinctInSimilar, s.distinct), '']),
    ]),
  ].join('\n')
}

/**
 * Recall of each transformation judged against its original alone (no help from other copies through the
 * groups): closer to a library where a photo has a single edited copy.
 */
export function pairRecall(
  entries: CorpusEntry[],
  photos: DupePhoto[],
  level: DupeLevel,
): Map<CorpusTransform, number> {
  const byPath = new Map(photos.map((p) => [p.path, p]))
  const originalOf = new Map(entries.filter((e) => e.transform === 'original').map((e) => [e.source, e.path]))
  const counts = new Map<CorpusTransform, { found: number; of: number }>()
  for (const e of entries) {
    if (e.transform === 'original' || e.transform === 'distinct') continue
    const a = byPath.get(originalOf.get(e.source)!)!
    const b = byPath.get(e.path)!
    const c = counts.get(e.transform) ?? { found: 0, of: 0 }
    c.of++
    if (a.hash === b.hash || judgePair(LEVELS[level], a, b, false) === 'near') c.found++
    counts.set(e.transform, c)
  }
  return new Map([...counts].map(([t, c]) => [t, c.found / c.of]))
}
