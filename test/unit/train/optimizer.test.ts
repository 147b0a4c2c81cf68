import { describe, expect, it } from 'vitest'
import { Adam } from '../../../src/engine/train/adam.js'
import { warmupLinearDecay } from '../../../src/engine/train/schedule.js'

describe('Adam', () => {
  it('takes a first step of lr against the gradient, whatever its scale (bias correction)', () => {
    for (const g of [1e-3, 0.3, 1e4]) {
      const p = new Float64Array([1, -1])
      new Adam([2]).step([p], [new Float64Array([g, -g])], 0.01)
      expect(p[0]).toBeCloseTo(1 - 0.01, 6)
      expect(p[1]).toBeCloseTo(-1 + 0.01, 6)
    }
  })

  it('matches a hand computation over three steps', () => {
    const p = new Float64Array([0.5])
    const adam = new Adam([1], { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    let m = 0
    let v = 0
    let q = 0.5
    for (const [t, g] of [
      [1, 0.2],
      [2, -0.1],
      [3, 0.4],
    ] as const) {
      adam.step([p], [new Float64Array([g])], 0.05)
      m = 0.9 * m + 0.1 * g
      v = 0.999 * v + 0.001 * g * g
      q -= (0.05 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
      expect(p[0]).toBeCloseTo(q, 12)
    }
    expect(adam.steps).toBe(3)
  })

  it('decays only the parameters it is told to, decoupled from the gradient (AdamW)', () => {
    const w = new Float64Array([2])
    const b = new Float64Array([2])
    const adam = new Adam([1, 1], { weightDecay: 0.1 }, [true, false])
    adam.step([w, b], [new Float64Array([0]), new Float64Array([0])], 0.5)
    expect(w[0]).toBeCloseTo(2 * (1 - 0.5 * 0.1), 12)
    expect(b[0]).toBe(2)
  })

  it('minimises an ill-conditioned quadratic', () => {
    const p = new Float32Array([3, -4])
    const adam = new Adam([2])
    const lr = warmupLinearDecay({ peak: 0.1, warmupSteps: 20, totalSteps: 2000 })
    for (let t = 0; t < 2000; t++) adam.step([p], [new Float32Array([2 * p[0]!, 200 * (p[1]! - 1)])], lr(t))
    expect(p[0]).toBeCloseTo(0, 2)
    expect(p[1]).toBeCloseTo(1, 2)
  })

  it('rejects parameters of the wrong size', () => {
    expect(() => new Adam([2]).step([new Float32Array(3)], [new Float32Array(3)], 0.1)).toThrow(/expected 2/)
  })
})

describe('warm-up then linear decay', () => {
  it('rises linearly to the peak, then falls linearly to the floor at the last step', () => {
    const lr = warmupLinearDecay({ peak: 1, warmupSteps: 4, totalSteps: 13 })
    expect([0, 1, 2, 3].map(lr)).toEqual([0.25, 0.5, 0.75, 1])
    expect(lr(4)).toBe(1)
    expect(lr(8)).toBeCloseTo(0.5, 12)
    expect(lr(12)).toBe(0)
    expect(lr(20)).toBe(0)
    const floored = warmupLinearDecay({ peak: 2, warmupSteps: 0, totalSteps: 11, floor: 0.1 })
    expect(floored(0)).toBe(2)
    expect(floored(5)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5), 12)
    expect(floored(10)).toBeCloseTo(0.2, 12)
  })

  it('is monotonic on each side of the peak and never negative', () => {
    const lr = warmupLinearDecay({ peak: 3e-3, warmupSteps: 37, totalSteps: 500 })
    for (let t = 1; t < 37; t++) expect(lr(t)).toBeGreaterThan(lr(t - 1))
    for (let t = 38; t < 500; t++) expect(lr(t)).toBeLessThanOrEqual(lr(t - 1))
    for (let t = 0; t < 500; t++) expect(lr(t)).toBeGreaterThanOrEqual(0)
  })

  it('handles a single step and a warm-up as long as training', () => {
    expect(warmupLinearDecay({ peak: 1, warmupSteps: 0, totalSteps: 1 })(0)).toBe(1)
    const all = warmupLinearDecay({ peak: 1, warmupSteps: 10, totalSteps: 10 })
    expect(all(9)).toBe(1)
    expect(() => warmupLinearDecay({ peak: 0, warmupSteps: 1, totalSteps: 10 })).toThrow(/positive/)
    expect(() => warmupLinearDecay({ peak: 1, warmupSteps: 1, totalSteps: 0 })).toThrow(/at least one step/)
  })
})
