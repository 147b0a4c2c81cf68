import { describe, expect, it } from 'vitest'
import { hammingDistance } from '../../../src/engine/decode/index.js'
import { forEachPairWithin, packHashes } from '../../../src/engine/dupes/index.js'
import { popcount32 } from '../../../src/engine/dupes/hash-bands.js'
import { flipBits, randomHash, rng } from './support.js'

function bruteForce(hashes: string[], t: number): string[] {
  const out: string[] = []
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++) {
      const d = hammingDistance(hashes[i]!, hashes[j]!)
      if (d <= t) out.push(`${i}-${j}-${d}`)
    }
  return out.sort()
}

function banded(hashes: string[], t: number): string[] {
  const out: string[] = []
  forEachPairWithin(packHashes(hashes), t, (i, j, d) => out.push(`${i}-${j}-${d}`))
  return out.sort()
}

/** Random hashes, with clusters of near copies at every distance up to 16 bits. */
function corpus(seed: number, n: number): string[] {
  const random = rng(seed)
  const hashes: string[] = []
  while (hashes.length < n) {
    const base = randomHash(random)
    hashes.push(base)
    const copies = Math.floor(random() * 4)
    for (let c = 0; c < copies; c++) hashes.push(flipBits(base, Math.floor(random() * 17), random))
  }
  return hashes
}

describe('forEachPairWithin (multi-index hashing)', () => {
  it('counts bits', () => {
    expect(popcount32(0)).toBe(0)
    expect(popcount32(0xffffffff)).toBe(32)
    expect(popcount32(0x80000001)).toBe(2)
  })

  it.each([0, 1, 3, 4, 5, 7, 8, 10, 11, 12, 15])(
    'finds exactly the pairs within %i bits that brute force finds, each once',
    (t) => {
      const hashes = corpus(t + 1, 1500)
      const expected = bruteForce(hashes, t)
      expect(expected.length).toBeGreaterThan(t === 0 ? 0 : 10)
      expect(banded(hashes, t)).toEqual(expected)
    },
  )

  it('finds pairs whose differing bits all fall in one band or spread over all four', () => {
    const base = '0123456789abcdef'
    const oneBand = 'f' + 'edc' + base.slice(4) // 16-bit band 0 changed a lot
    const spread = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', '0']
      .map((c, i) => (i % 4 === 0 ? (parseInt(base[i]!, 16) ^ 3).toString(16) : base[i]!))
      .join('')
    const hashes = [base, oneBand, spread]
    for (const t of [4, 8, 12]) expect(banded(hashes, t)).toEqual(bruteForce(hashes, t))
  })

  it('skips photos without a hash and rejects radii it cannot guarantee', () => {
    const packed = packHashes(['0000000000000000', null, 'not a hash', '0000000000000001'])
    const pairs: string[] = []
    forEachPairWithin(packed, 2, (i, j, d) => pairs.push(`${i}-${j}-${d}`))
    expect(pairs).toEqual(['0-3-1'])
    expect(() => forEachPairWithin(packed, 16, () => undefined)).toThrow(RangeError)
  })

  // Its speed at this size is the dupes benchmark's business (npm run bench -- dupes), not a timed test's.
  it('finds the few close pairs among 100,000 random hashes at radius 8', () => {
    const random = rng(7)
    const hashes = Array.from({ length: 100_000 }, () => randomHash(random))
    const packed = packHashes(hashes)
    let pairs = 0
    forEachPairWithin(packed, 8, () => pairs++)
    // Random 64-bit hashes are ~32 bits apart: about 1.4 of the 5·10⁹ pairs are within 8 bits.
    expect(pairs).toBeLessThan(10)
  })
})
