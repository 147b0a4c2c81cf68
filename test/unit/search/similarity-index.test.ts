import { describe, expect, it } from 'vitest'
import { SimilarityIndex } from '../../../src/engine/search/similarity-index.js'
import { bruteForce, clustered, Model, normalise, rng, unitVector } from './helpers.js'

const DIMS = 64
const ids = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

function build(n: number, seed: number, dims = DIMS) {
  const random = rng(seed)
  const vectors = clustered(random, n, dims)
  const names = ids(n)
  const index = new SimilarityIndex(dims)
  // In batches, as the indexer writes them.
  for (let i = 0; i < n; i += 500)
    index.upsert(names.slice(i, i + 500), vectors.subarray(i * dims, (i + 500) * dims))
  return { random, vectors, names, index }
}

describe('SimilarityIndex: exactness against brute force', () => {
  it('returns the same top k, scores included, for several k', async () => {
    const { random, vectors, names, index } = build(3000, 1)
    expect(index.size).toBe(3000)
    for (const k of [1, 5, 10, 50, 500]) {
      for (let q = 0; q < 12; q++) {
        // Half the queries are library photos (the "more like this" case), half fresh vectors.
        const row = Math.floor(random() * names.length)
        const query = q % 2 ? vectors.slice(row * DIMS, (row + 1) * DIMS) : unitVector(random, DIMS)
        const got = await index.query(query, k)
        expect(got).toEqual(bruteForce(names, vectors, DIMS, query, k))
      }
    }
  })

  it('applies allow and exclude, calling allow only on a few rows', async () => {
    const { random, vectors, names, index } = build(20_000, 2)
    const album = new Set(names.filter(() => random() < 0.1))
    for (let q = 0; q < 15; q++) {
      const row = Math.floor(random() * names.length)
      const query = vectors.slice(row * DIMS, (row + 1) * DIMS)
      const exclude = names[row]!
      let calls = 0
      const allow = (id: string) => {
        calls++
        return album.has(id)
      }
      const got = await index.query(query, 10, { allow, exclude })
      expect(got).toEqual(
        bruteForce(names, vectors, DIMS, query, 10, { allow: (id) => album.has(id), exclude }),
      )
      expect(got.some((n) => n.id === exclude)).toBe(false)
      expect(calls).toBeLessThan(names.length / 10)

      const unfiltered = await index.query(query, 10, { exclude })
      expect(unfiltered).toEqual(bruteForce(names, vectors, DIMS, query, 10, { exclude }))
      expect(unfiltered[0]!.id).not.toBe(exclude)
    }
  })

  it('returns fewer than k when the filter allows fewer', async () => {
    const { random, vectors, names, index } = build(2000, 3)
    const few = new Set(['p5', 'p77', 'p1999'])
    const query = unitVector(random, DIMS)
    const got = await index.query(query, 10, { allow: (id) => few.has(id), exclude: 'p77' })
    expect(got.map((n) => n.id).sort()).toEqual(['p1999', 'p5'])
    expect(got).toEqual(
      bruteForce(names, vectors, DIMS, query, 10, { allow: (id) => few.has(id), exclude: 'p77' }),
    )
    expect(await index.query(query, 10, { allow: () => false })).toEqual([])
  })

  it('stays exact after upserts that replace vectors and after removes', async () => {
    const random = rng(4)
    const index = new SimilarityIndex(DIMS)
    const model = new Model(DIMS)
    const apply = (names: string[], vectors: Float32Array) => {
      index.upsert(names, vectors)
      model.upsert(names, vectors)
    }
    apply(ids(4000), clustered(random, 4000, DIMS))
    for (let round = 0; round < 4; round++) {
      // Replace a random third (some twice in one batch: the later one wins), add new rows, remove some.
      const replaced = [...model.rows.keys()].filter(() => random() < 0.33)
      replaced.push(replaced[0]!)
      apply(replaced, clustered(random, replaced.length, DIMS, 5, 0.2))
      apply(ids(300, `r${round}-`), clustered(random, 300, DIMS))
      const removed = [...model.rows.keys()].filter(() => random() < 0.25)
      removed.push('never-there', removed[0]!)
      index.remove(removed)
      model.remove(removed)
      expect(index.size).toBe(model.rows.size)

      for (let q = 0; q < 10; q++) {
        const keys = [...model.rows.keys()]
        const id = keys[Math.floor(random() * keys.length)]!
        const query = model.rows.get(id)!
        expect(index.vectorOf(id)).toEqual(query)
        for (const k of [1, 10, 100]) {
          expect(await index.query(query, k, { exclude: id })).toEqual(model.query(query, k, { exclude: id }))
        }
      }
      for (const id of removed) expect(index.vectorOf(id)).toBeUndefined()
    }
  })

  it('ranks near-ties that int8 cannot tell apart exactly', async () => {
    // Rows that differ from the query's direction by ~1e-6: their int8 codes coincide, their scores do not.
    const random = rng(5)
    const base = unitVector(random, DIMS)
    const n = 400
    const vectors = new Float32Array(n * DIMS)
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < DIMS; i++) vectors[r * DIMS + i] = base[i]! + 1e-6 * (random() - 0.5)
      normalise(vectors, r * DIMS, DIMS)
    }
    const names = ids(n)
    const index = new SimilarityIndex(DIMS)
    index.upsert(names, vectors)
    for (const k of [1, 7, 50]) {
      expect(await index.query(base, k)).toEqual(bruteForce(names, vectors, DIMS, base, k))
    }
  })

  it('stays exact when the int8 error lines up with the query (the error bound is nearly tight)', async () => {
    // The query (1,…,1)/8 quantises exactly. Rows are (127, j₂ ± 0.49, …, j₆₄ ± 0.49) scaled: every
    // coordinate but the largest rounds the same way by 0.49 of a step, so the int8 score is off by almost
    // the whole Cauchy–Schwarz bound, low for "+" rows and high for "−" rows. An index that trusted a
    // smaller bound would drop true neighbours here.
    const random = rng(16)
    const n = 2000
    const names = ids(n)
    const vectors = new Float32Array(n * DIMS)
    for (let r = 0; r < n; r++) {
      const sign = r % 2 ? 0.49 : -0.49
      vectors[r * DIMS] = 127
      for (let i = 1; i < DIMS; i++) vectors[r * DIMS + i] = 60 + Math.floor(random() * 60) + sign
      normalise(vectors, r * DIMS, DIMS)
    }
    const index = new SimilarityIndex(DIMS)
    index.upsert(names, vectors)
    const query = new Float32Array(DIMS).fill(0.125)
    for (const k of [1, 10, 100])
      expect(await index.query(query, k)).toEqual(bruteForce(names, vectors, DIMS, query, k))
  })

  it('works for dimensions that are not a multiple of 16', async () => {
    for (const dims of [3, 17, 100]) {
      const { random, vectors, names, index } = build(1500, 6, dims)
      for (let q = 0; q < 5; q++) {
        const query = unitVector(random, dims)
        expect(await index.query(query, 10)).toEqual(bruteForce(names, vectors, dims, query, 10))
      }
    }
  })

  it('gives the same answers with the JavaScript fallback kernel', async () => {
    const random = rng(7)
    const vectors = clustered(random, 1000, DIMS)
    const names = ids(1000)
    const simd = new SimilarityIndex(DIMS)
    const plain = new SimilarityIndex(DIMS, { forceFallback: true })
    expect(plain.simd).toBe(false)
    simd.upsert(names, vectors)
    plain.upsert(names, vectors)
    for (let q = 0; q < 5; q++) {
      const query = unitVector(random, DIMS)
      const expected = bruteForce(names, vectors, DIMS, query, 20)
      expect(await plain.query(query, 20)).toEqual(expected)
      expect(await simd.query(query, 20)).toEqual(expected)
    }
  })
})

describe('SimilarityIndex: ties, edges and errors', () => {
  it('breaks ties by id', async () => {
    const random = rng(8)
    const v = unitVector(random, DIMS)
    const other = unitVector(random, DIMS)
    const names = ['m', 'c', 'z', 'a', 'k', 'b']
    const vectors = new Float32Array(names.length * DIMS)
    names.forEach((_, i) => vectors.set(i === 1 ? other : v, i * DIMS))
    const index = new SimilarityIndex(DIMS)
    index.upsert(names, vectors)
    const got = await index.query(v, 3)
    expect(got.map((n) => n.id)).toEqual(['a', 'b', 'k'])
    expect(new Set(got.map((n) => n.score)).size).toBe(1)
    expect((await index.query(v, 6)).map((n) => n.id)).toEqual(['a', 'b', 'k', 'm', 'z', 'c'])
    expect((await index.query(v, 2, { exclude: 'a' })).map((n) => n.id)).toEqual(['b', 'k'])
  })

  it('keeps the right ties among many identical photos', async () => {
    const random = rng(9)
    const v = unitVector(random, DIMS)
    const n = 5000
    const names = ids(n).sort(() => random() - 0.5)
    const vectors = new Float32Array(n * DIMS)
    for (let r = 0; r < n; r++) vectors.set(v, r * DIMS)
    const index = new SimilarityIndex(DIMS)
    index.upsert(names, vectors)
    const got = await index.query(v, 10)
    expect(got.map((x) => x.id)).toEqual([...names].sort().slice(0, 10))
  })

  it('answers [] on an empty index, before and after rows come and go', async () => {
    const index = new SimilarityIndex()
    const query = unitVector(rng(10), DIMS)
    expect(index.size).toBe(0)
    expect(await index.query(query, 10)).toEqual([])
    index.upsert(['a', 'b'], new Float32Array(2 * DIMS).fill(0.125))
    index.remove(['a', 'b'])
    expect(index.size).toBe(0)
    expect(await index.query(query, 10)).toEqual([])
  })

  it('returns everything, sorted, when k exceeds the size', async () => {
    const { random, vectors, names, index } = build(37, 11)
    const query = unitVector(random, DIMS)
    const got = await index.query(query, 1000, { exclude: 'p3' })
    expect(got).toHaveLength(36)
    expect(got).toEqual(bruteForce(names, vectors, DIMS, query, 1000, { exclude: 'p3' }))
    expect(await index.query(query, 0)).toEqual([])
  })

  it('scores a zero query and zero rows as 0', async () => {
    const index = new SimilarityIndex(DIMS)
    const v = unitVector(rng(12), DIMS)
    index.upsert(['zero', 'v'], Float32Array.from([...new Float32Array(DIMS), ...v]))
    expect(await index.query(new Float32Array(DIMS), 2)).toEqual([
      { id: 'v', score: 0 },
      { id: 'zero', score: 0 },
    ])
    expect((await index.query(v, 2)).map((n) => n.id)).toEqual(['v', 'zero'])
  })

  it('rejects dimension mismatches and bad arguments without changing anything', async () => {
    const index = new SimilarityIndex(DIMS)
    index.upsert(['a'], unitVector(rng(13), DIMS))
    expect(() => index.upsert(['b', 'c'], new Float32Array(DIMS))).toThrow(/2×64 = 128 values, got 64/)
    expect(() => index.upsert(['b'], new Float32Array(DIMS + 1))).toThrow(/values/)
    const bad = new Float32Array(DIMS)
    bad[5] = NaN
    expect(() => index.upsert(['b'], bad)).toThrow(/not finite/)
    expect(index.size).toBe(1)
    expect(index.vectorOf('b')).toBeUndefined()
    await expect(index.query(new Float32Array(32), 5)).rejects.toThrow(/32 dimensions, the index 64/)
    await expect(index.query(new Float32Array(DIMS), -1)).rejects.toThrow(RangeError)
    await expect(index.query(new Float32Array(DIMS), 2.5)).rejects.toThrow(RangeError)
    await expect(index.query(bad, 1)).rejects.toThrow(/not finite/)
    expect(() => new SimilarityIndex(0)).toThrow(RangeError)
    expect(() => new SimilarityIndex(1.5)).toThrow(RangeError)
  })

  it('returns copies from vectorOf', () => {
    const index = new SimilarityIndex(DIMS)
    const v = unitVector(rng(14), DIMS)
    index.upsert(['a'], v)
    const copy = index.vectorOf('a')!
    copy[0] = 42
    expect(index.vectorOf('a')).toEqual(v)
  })

  it('reports memory that grows with the rows, and frees it on close', async () => {
    const index = new SimilarityIndex(DIMS)
    const small = index.memoryBytes()
    const { vectors, names } = build(5000, 15)
    index.upsert(names, vectors)
    const big = index.memoryBytes()
    // At least the float32 rows and the int8 rows.
    expect(big).toBeGreaterThanOrEqual(5000 * DIMS * 5)
    expect(big).toBeGreaterThan(small)
    await index.close()
    expect(index.memoryBytes()).toBe(0)
    expect(index.size).toBe(0)
    await expect(index.query(vectors.subarray(0, DIMS), 1)).rejects.toThrow(/closed/)
    expect(() => index.upsert(['a'], vectors.subarray(0, DIMS))).toThrow(/closed/)
  })
})
