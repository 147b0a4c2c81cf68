import { describe, expect, it } from 'vitest'
import {
  differentCaptures,
  exactNeighbours,
  findDuplicates,
  LEVELS,
  type DupePhoto,
  type NeighbourFn,
} from '../../../src/engine/dupes/index.js'
import { atCosine, flipBits, photo, randomHash, randomUnit, rng } from './support.js'

/** A library: `families` pictures, each with near copies at the given hash distances and cosines. */
function library(seed: number, families: number, copies: Array<{ bits: number; cos: number }>): DupePhoto[] {
  const random = rng(seed)
  const out: DupePhoto[] = []
  for (let f = 0; f < families; f++) {
    const phash = randomHash(random)
    const dhash = randomHash(random)
    const embedding = randomUnit(random)
    out.push(photo(`f${f}-0`, { phash, dhash, embedding, width: 4000, height: 3000 }))
    copies.forEach(({ bits, cos }, c) =>
      out.push(
        photo(`f${f}-${c + 1}`, {
          phash: flipBits(phash, bits, random),
          dhash: flipBits(dhash, bits, random),
          embedding: atCosine(embedding, cos, random),
          width: 2000,
          height: 1500,
        }),
      ),
    )
  }
  return out
}

const run = (photos: DupePhoto[], over: Partial<Parameters<typeof findDuplicates>[1]> = {}) =>
  findDuplicates(photos, { level: 'normal', similar: false, neighbours: exactNeighbours(photos), ...over })

function shuffle<T>(xs: T[], seed: number): T[] {
  const random = rng(seed)
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

describe('findDuplicates', () => {
  it('groups exact copies by content hash, whatever their name or folder', async () => {
    const random = rng(1)
    const e = randomUnit(random)
    const photos = [
      photo('a', { path: '/photos/2020/IMG_1.jpg', hash: 'same', embedding: e }),
      photo('b', { path: '/backup/copy of IMG_1 (renamed).jpg', hash: 'same', embedding: e }),
      photo('c', {
        path: '/x/other.jpg',
        hash: 'other',
        phash: randomHash(random),
        embedding: randomUnit(random),
      }),
    ]
    expect(await run(photos)).toEqual([
      {
        kind: 'exact',
        keep: 'a',
        reason: 'Identical files: kept the one with the shortest path',
        photos: ['a', 'b'],
      },
    ])
  })

  it('finds near copies through the hashes and through the embedding, and keeps the largest', async () => {
    const photos = library(2, 30, [
      { bits: 2, cos: 0.2 }, // grayscale-like: hashes agree, embedding moved
      { bits: 20, cos: 0.95 }, // crop-like: hashes broken, embedding close
    ])
    const groups = await run(photos)
    expect(groups).toHaveLength(30)
    for (const g of groups) {
      const f = g.keep.split('-')[0]
      expect(g).toEqual({
        kind: 'near',
        keep: `${f}-0`,
        reason: 'Highest resolution (4000×3000)',
        photos: [`${f}-0`, `${f}-1`, `${f}-2`],
      })
    }
  })

  it('leaves unrelated photos and weak look-alikes alone', async () => {
    const photos = library(3, 40, [
      { bits: 24, cos: 0.7 }, // hashes unrelated, embedding only fairly close
      { bits: 12, cos: 0.1 }, // hashes somewhat close, embedding unrelated
    ])
    expect(await run(photos)).toEqual([])
  })

  it('gives the same groups, in the same order, for any input order', async () => {
    const photos = library(4, 25, [
      { bits: 3, cos: 0.9 },
      { bits: 16, cos: 0.9 },
      { bits: 30, cos: 0.8 },
    ])
    const reference = await run(photos, { similar: true })
    expect(reference.length).toBeGreaterThan(20)
    for (const seed of [1, 2, 3])
      expect(await run(shuffle(photos, seed), { similar: true })).toEqual(reference)
    const kinds = reference.map((g) => g.kind)
    expect(kinds).toEqual(
      [...kinds].sort(
        (a, b) => ['exact', 'near', 'similar'].indexOf(a) - ['exact', 'near', 'similar'].indexOf(b),
      ),
    )
  })

  it('never puts two captures (different times or cameras) in one near group, even through a copy', async () => {
    const random = rng(5)
    const phash = randomHash(random)
    const dhash = randomHash(random)
    const e = randomUnit(random)
    const canon = { cameraMake: 'Canon', cameraModel: 'EOS 80D' }
    const photos = [
      photo('shot1', {
        phash,
        dhash,
        embedding: e,
        ...canon,
        takenAt: '2021-01-01T10:00:00',
        width: 4000,
        height: 3000,
      }),
      photo('shot2', {
        phash: flipBits(phash, 2, random),
        dhash,
        embedding: atCosine(e, 0.97, random),
        ...canon,
        takenAt: '2021-01-01T10:00:01',
      }),
      // An export of shot1 without EXIF: near both shots.
      photo('export', {
        phash,
        dhash: flipBits(dhash, 1, random),
        embedding: atCosine(e, 0.99, random),
        size: 500,
      }),
    ]
    const groups = await run(photos, { similar: true })
    expect(groups).toEqual([
      { kind: 'near', keep: 'shot1', reason: 'Highest resolution (4000×3000)', photos: ['shot1', 'export'] },
      {
        kind: 'similar',
        keep: 'shot1',
        reason: 'Highest resolution (4000×3000)',
        photos: ['shot1', 'shot2'],
      },
    ])
    expect(await run(photos)).toEqual([groups[0]])
  })

  it('finds bursts by camera and time as similar even when the embeddings are only fairly close', async () => {
    const random = rng(6)
    const e = randomUnit(random)
    const canon = { cameraMake: 'Canon', cameraModel: 'EOS 80D' }
    const photos = [0, 2, 40].map((s, i) =>
      photo(`b${i}`, {
        phash: randomHash(random),
        dhash: randomHash(random),
        embedding: i === 0 ? e : atCosine(e, 0.8, random),
        ...canon,
        takenAt: `2021-01-01T10:00:${String(s).padStart(2, '0')}`,
      }),
    )
    const groups = await run(photos, { similar: true })
    expect(groups).toHaveLength(1)
    // b2 is 40 s later: not the same burst, and 0.8 is below the similar threshold on its own.
    expect(groups[0]!.photos.sort()).toEqual(['b0', 'b1'])
    expect(groups[0]!.kind).toBe('similar')
  })

  it('links similar shots by complete linkage, so a long sequence does not chain into one group', async () => {
    const random = rng(7)
    const e = randomUnit(random)
    const canon = { cameraMake: 'Canon', cameraModel: 'EOS 80D' }
    // Frames every 20 s: each is within the 30 s window of the next, never of the one after.
    const photos = [0, 20, 40, 60].map((s, i) =>
      photo(`c${i}`, {
        phash: randomHash(random),
        dhash: randomHash(random),
        embedding: atCosine(e, 0.95, random),
        ...canon,
        takenAt: `2021-01-01T10:0${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`,
      }),
    )
    const groups = await run(photos, { similar: true })
    expect(groups.map((g) => [...g.photos].sort())).toEqual([
      ['c0', 'c1'],
      ['c2', 'c3'],
    ])
  })

  it('uses the hashes alone when an embedding is missing, strictly', async () => {
    const random = rng(8)
    const phash = randomHash(random)
    const dhash = randomHash(random)
    const photos = [
      photo('a', { phash, dhash }),
      photo('b', { phash: flipBits(phash, 3, random), dhash: flipBits(dhash, 2, random) }),
      photo('c', { phash: flipBits(phash, 7, random), dhash }),
      photo('failed', { phash: null, dhash: null, hash: null }),
    ]
    const groups = await run(photos)
    expect(groups.map((g) => g.photos.sort())).toEqual([['a', 'b']])
  })

  it('asks the neighbour index for more while every neighbour is close (many copies fill the first k)', async () => {
    const random = rng(9)
    const e = randomUnit(random)
    const phash = randomHash(random)
    const dhash = randomHash(random)
    // 40 slightly different edits of one photo: the first 8 neighbours are all close.
    const photos = Array.from({ length: 40 }, (_, i) =>
      photo(`e${i}`, {
        phash: flipBits(phash, 9, random),
        dhash: flipBits(dhash, 9, random),
        embedding: atCosine(e, 0.99, random),
      }),
    )
    const asked: number[] = []
    const exact = exactNeighbours(photos)
    const neighbours: NeighbourFn = (id, k) => {
      asked.push(k)
      return exact(id, k)
    }
    const groups = await run(photos, { neighbours, k: 8 })
    expect(groups).toHaveLength(1)
    expect(groups[0]!.photos).toHaveLength(40)
    expect(Math.max(...asked)).toBe(64)
    // Each photo is asked about once per doubling, never compared with the whole library directly.
    expect(asked.length).toBeLessThanOrEqual(40 * 4)
  })

  it('ignores neighbours it was not given, and rejects duplicate ids and unknown levels', async () => {
    const photos = library(10, 2, [{ bits: 1, cos: 0.99 }])
    const stranger: NeighbourFn = async () => [{ id: 'not-in-the-list', score: 1 }]
    expect(await run(photos, { neighbours: stranger })).toHaveLength(2)
    await expect(run([...photos, photos[0]!])).rejects.toThrow(/given twice/)
    await expect(run(photos, { level: 'extreme' as never })).rejects.toThrow(/Unknown level/)
  })

  it('has levels from strict to loose', () => {
    expect(LEVELS.strict.embeddingCos).toBeGreaterThan(LEVELS.normal.embeddingCos)
    expect(LEVELS.normal.embeddingCos).toBeGreaterThan(LEVELS.loose.embeddingCos)
    expect(LEVELS.strict.closeBits).toBeLessThan(LEVELS.loose.closeBits)
  })
})

describe('differentCaptures', () => {
  const at = (takenAt: string | null, cameraModel: string | null = null) => ({
    takenAt,
    cameraMake: null,
    cameraModel,
  })
  it('compares capture times to the second, and to the sub-second when both have it', () => {
    expect(differentCaptures(at('2021-01-01T10:00:00'), at('2021-01-01T10:00:01'))).toBe(true)
    expect(differentCaptures(at('2021-01-01T10:00:00.100'), at('2021-01-01T10:00:00.200'))).toBe(true)
    expect(differentCaptures(at('2021-01-01T10:00:00.100'), at('2021-01-01T10:00:00'))).toBe(false)
    expect(differentCaptures(at('2021-01-01T10:00:00+02:00'), at('2021-01-01T10:00:00'))).toBe(false)
    expect(differentCaptures(at(null), at('2021-01-01T10:00:00'))).toBe(false)
  })
  it('tells cameras apart, ignoring case and padding', () => {
    expect(differentCaptures(at(null, 'EOS 80D'), at(null, 'eos 80d '))).toBe(false)
    expect(differentCaptures(at(null, 'EOS 80D'), at(null, 'iPhone 13'))).toBe(true)
  })
})

describe('findDuplicates with a pixel verifier', () => {
  /** A verifier that proves only the pairs listed (either order), and records what it was asked. */
  function verifier(proven: Array<[string, string]>) {
    const asked: string[] = []
    const key = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`)
    const yes = new Set(proven.map(([a, b]) => key(a, b)))
    const verify = (a: DupePhoto, b: DupePhoto) => {
      asked.push(key(a.id, b.id))
      return Promise.resolve({ near: yes.has(key(a.id, b.id)) })
    }
    return { verify, asked }
  }

  it('makes a pair near only when the pixels prove it; a refused look-alike is not even similar', async () => {
    // Two families whose copies the signals call near (2 bits, cos 0.95).
    const photos = library(31, 2, [{ bits: 2, cos: 0.95 }])
    const { verify, asked } = verifier([['f0-0', 'f0-1']])
    const groups = await run(photos, { verify })
    expect(groups.map((g) => [g.kind, [...g.photos].sort()])).toEqual([['near', ['f0-0', 'f0-1']]])
    expect(new Set(asked)).toEqual(new Set(['f0-0|f0-1', 'f1-0|f1-1']))
    // Without capture evidence, the refused pair only looks alike: no similar group.
    const withSimilar = await run(photos, { verify, similar: true })
    expect(withSimilar.map((g) => [g.kind, [...g.photos].sort()])).toEqual([['near', ['f0-0', 'f0-1']]])
    // The same pair as two frames of a burst (one camera, a second apart) is a similar shot.
    const canon = { cameraMake: 'Canon', cameraModel: 'EOS 80D' }
    const burst = photos.map((p) =>
      p.id === 'f1-0'
        ? { ...p, ...canon, takenAt: '2021-01-01T10:00:00' }
        : p.id === 'f1-1'
          ? { ...p, ...canon, takenAt: '2021-01-01T10:00:01' }
          : p,
    )
    const withBurst = await run(burst, { verify, similar: true })
    expect(withBurst.map((g) => [g.kind, [...g.photos].sort()])).toEqual([
      ['near', ['f0-0', 'f0-1']],
      ['similar', ['f1-0', 'f1-1']],
    ])
  })

  it('tells its progress through the checks, from none to all of the proposed pairs', async () => {
    const photos = library(34, 6, [{ bits: 2, cos: 0.95 }])
    const { verify, asked } = verifier([['f0-0', 'f0-1']])
    const seen: Array<{ checked: number; toCheck: number }> = []
    await run(photos, { verify, verifyConcurrency: 2, onProgress: (p) => seen.push(p) })
    expect(asked).toHaveLength(6)
    expect(seen[0]).toEqual({ checked: 0, toCheck: 6 })
    expect(seen.at(-1)).toEqual({ checked: 6, toCheck: 6 })
    // One report per batch of 2, never going back.
    expect(seen.map((p) => p.checked)).toEqual([0, 2, 4, 6])
  })

  it('proposes pairs the hashes miss when the embeddings are close (a crop), for the pixels to decide', async () => {
    // 20 bits apart on both hashes, cos 0.8: not near by the signals at normal.
    const photos = library(32, 1, [{ bits: 20, cos: LEVELS.normal.candidateCos + 0.05 }])
    expect(await run(photos)).toEqual([])
    const { verify } = verifier([['f0-0', 'f0-1']])
    const groups = await run(photos, { verify })
    expect(groups.map((g) => g.kind)).toEqual(['near'])
    // Below the candidate floor, nothing is proposed.
    const far = library(33, 1, [{ bits: 20, cos: LEVELS.normal.candidateCos - 0.1 }])
    const again = verifier([['f0-0', 'f0-1']])
    expect(await run(far, { verify: again.verify })).toEqual([])
    expect(again.asked).toEqual([])
  })

  it('never asks about exact copies or two different captures', async () => {
    const a = photo('a', { hash: 'same', phash: '0f0f0f0f0f0f0f0f', embedding: unitVector(0) })
    const b = photo('b', { hash: 'same', phash: '0f0f0f0f0f0f0f0f', embedding: unitVector(0) })
    const c = photo('c', {
      phash: '0f0f0f0f0f0f0f0f',
      embedding: unitVector(0),
      takenAt: '2021-01-01T10:00:00',
      cameraMake: 'Canon',
      cameraModel: 'EOS',
    })
    const d = photo('d', {
      phash: '0f0f0f0f0f0f0f0f',
      embedding: unitVector(0),
      takenAt: '2021-01-01T10:00:05',
      cameraMake: 'Canon',
      cameraModel: 'EOS',
    })
    const { verify, asked } = verifier([])
    const groups = await run([a, b, c, d], { verify })
    expect(groups.map((g) => g.kind)).toEqual(['exact'])
    // a (for the exact group) with c and d may be asked; c with d never, nor a with b.
    expect(asked).not.toContain('c|d')
    expect(asked).not.toContain('a|b')
  })
})

function unitVector(axis: number): Float32Array {
  const v = new Float32Array(64)
  v[axis] = 1
  return v
}
