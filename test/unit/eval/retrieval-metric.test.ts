import { describe, expect, it } from 'vitest'
import { meanPrecisionAtK } from '../../../src/engine/eval/retrieval-metric.js'

/** Unit vectors on a circle, at the given angles in degrees. */
function circle(angles: number[]): Float32Array {
  return Float32Array.from(
    angles.flatMap((a) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]),
  )
}

describe('mean Precision@5 (GUIE)', () => {
  it('is 1 when every class is a tight cluster far from the others', () => {
    const labels = ['a', 'a', 'a', 'b', 'b', 'b']
    const set = { vectors: circle([0, 1, 2, 180, 181, 182]), dim: 2, labels }
    const s = meanPrecisionAtK(set, set, 5, true)
    expect(s.mpAtK).toBe(1)
    expect(s.queries).toBe(6)
    expect(s.confusions).toEqual([])
  })

  it('takes precision over min(5, n relevant) results', () => {
    // Class a has 2 photos: each query has n = 1 relevant, so only its top-1 counts.
    // a0 (0°) is nearest to b0 (10°): a miss; a1 (-15°) is nearest to a0: a hit. mP@5 over the a queries = 0.5.
    const labels = ['a', 'a', 'b', 'b', 'b', 'b', 'b', 'b', 'b']
    const set = { vectors: circle([0, -15, 10, 100, 110, 120, 130, 140, 150]), dim: 2, labels }
    const s = meanPrecisionAtK(set, set, 5, true)
    expect(s.perClass.a).toEqual({ mpAtK: 0.5, queries: 2 })
    expect(s.confusions).toContainEqual({ query: 'a', retrieved: 'b', count: 1 })
  })

  it('never lets a query retrieve itself in leave-one-out, and skips classes of one photo', () => {
    const labels = ['a', 'b', 'b']
    const set = { vectors: circle([0, 90, 91]), dim: 2, labels }
    const s = meanPrecisionAtK(set, set, 5, true)
    expect(s.queries).toBe(2) // the lone 'a' has nothing to find
    expect(s.mpAtK).toBe(1)
  })

  it('scores held-out queries against a separate gallery', () => {
    const gallery = { vectors: circle([0, 5, 90, 95]), dim: 2, labels: ['a', 'a', 'b', 'b'] }
    const queries = { vectors: circle([2, 50]), dim: 2, labels: ['a', 'b'] }
    const s = meanPrecisionAtK(queries, gallery)
    // a: top-2 of {0,5,90,95} from 2° = the two a's → 1. b at 50°: nearest 5 (a) then 90 (b) → 0.5.
    expect(s.perClass.a!.mpAtK).toBe(1)
    expect(s.perClass.b!.mpAtK).toBe(0.5)
    expect(s.mpAtK).toBe(0.75)
  })

  it('refuses mismatched dimensions', () => {
    const a = { vectors: new Float32Array(2), dim: 2, labels: ['x'] }
    const b = { vectors: new Float32Array(3), dim: 3, labels: ['x'] }
    expect(() => meanPrecisionAtK(a, b)).toThrow(/dimensions/)
  })
})
