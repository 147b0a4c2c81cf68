import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ivfNeighbours } from '../../../src/engine/dupes/ivf-neighbours.js'
import { MatMul } from '../../../src/engine/linalg/ort-matmul.js'
import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'

let mm: MatMul
beforeAll(async () => {
  mm = await MatMul.create(1)
})
afterAll(async () => {
  await mm.close()
})

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}

describe('ivfNeighbours', () => {
  it('finds nearly every close pair that brute force finds, best first, above the floor', async () => {
    const rnd = seededRandom(3)
    const dims = 32
    const photos: Array<{ id: string; embedding: Float32Array }> = []
    // 60 scenes of 40 photos; a few photos in each scene have a close twin (a near-duplicate).
    for (let s = 0; s < 60; s++) {
      const centre = Float32Array.from({ length: dims }, () => rnd() - 0.5)
      for (let i = 0; i < 40; i++) {
        const e = unit(centre.map((x) => x + (rnd() - 0.5) * 0.6))
        photos.push({ id: `s${s}-${i}`, embedding: e })
        if (i % 10 === 0)
          photos.push({ id: `s${s}-${i}-twin`, embedding: unit(e.map((x) => x + (rnd() - 0.5) * 0.05)) })
      }
    }
    const { neighbours } = await ivfNeighbours(photos, mm, { floor: 0.7 })
    let pairs = 0
    let found = 0
    for (const p of photos.filter((_, i) => i % 7 === 0)) {
      const got = await neighbours(p.id, 32)
      for (let t = 1; t < got.length; t++) expect(got[t]!.score).toBeLessThanOrEqual(got[t - 1]!.score)
      for (const g of got) expect(g.score).toBeGreaterThanOrEqual(0.7)
      const gotIds = new Set(got.map((g) => g.id))
      const close = photos
        .filter((q) => q.id !== p.id)
        .map((q) => ({ id: q.id, s: q.embedding.reduce((a, x, d) => a + x * p.embedding[d]!, 0) }))
        .filter((q) => q.s >= 0.9) // near-duplicate level
      pairs += close.length
      found += close.filter((q) => gotIds.has(q.id)).length
    }
    expect(pairs).toBeGreaterThan(20)
    expect(found / pairs).toBeGreaterThan(0.95)
  })
})
