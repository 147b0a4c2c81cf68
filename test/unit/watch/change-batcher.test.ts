import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ChangeBatcher } from '../../../src/engine/watch/change-batcher.js'

/** Every batch with the (fake) time it started. */
interface Seen {
  at: number
  paths: string[]
}

let seen: Seen[]
let start: number
let handleMs: number

function batcher(timing = { quietMs: 300, maxWaitMs: 1000, renameGraceMs: 1500 }) {
  return new ChangeBatcher(timing, async (paths) => {
    seen.push({ at: Date.now() - start, paths: [...paths].sort() })
    if (handleMs > 0) await new Promise((r) => setTimeout(r, handleMs))
  })
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  start = Date.now()
  seen = []
  handleMs = 0
})
afterEach(() => vi.useRealTimers())

describe('ChangeBatcher', () => {
  it('handles a burst as one batch once it is quiet', async () => {
    const b = batcher()
    for (const p of ['a', 'b', 'c']) b.add(p, false)
    await vi.advanceTimersByTimeAsync(299)
    expect(seen).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(seen).toEqual([{ at: 300, paths: ['a', 'b', 'c'] }])
  })

  it('still makes a batch every maxWaitMs while changes never stop', async () => {
    const b = batcher()
    // A copy at 10 files a second for 5 s: never 300 ms of quiet.
    for (let i = 0; i < 50; i++) {
      b.add(`f${i}`, false)
      await vi.advanceTimersByTimeAsync(100)
    }
    // A debounce alone would have handled nothing yet.
    expect(seen.length).toBeGreaterThanOrEqual(4)
    for (const batch of seen) expect(batch.paths.length).toBeGreaterThan(0)
    // No change waited longer than maxWaitMs.
    for (const batch of seen) {
      for (const p of batch.paths) expect(batch.at - Number(p.slice(1)) * 100).toBeLessThanOrEqual(1000)
    }
    await vi.advanceTimersByTimeAsync(300)
    const handled = seen.flatMap((s) => s.paths)
    expect(handled.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `f${i}`).sort())
    expect(new Set(handled).size).toBe(50)
  })

  it('never runs two batches at once; what came meanwhile goes in the next one', async () => {
    let running = 0
    let most = 0
    const inner = new ChangeBatcher({ quietMs: 300, maxWaitMs: 1000, renameGraceMs: 1500 }, async (paths) => {
      running++
      most = Math.max(most, running)
      seen.push({ at: Date.now() - start, paths })
      await new Promise((r) => setTimeout(r, 2500))
      running--
    })
    for (let i = 0; i < 60; i++) {
      inner.add(`f${i}`, false)
      await vi.advanceTimersByTimeAsync(100)
    }
    await vi.advanceTimersByTimeAsync(10_000)
    expect(most).toBe(1)
    expect(seen.flatMap((s) => s.paths)).toHaveLength(60)
    // Batches follow each other (2.5 s each) instead of piling up one per second.
    expect(seen.length).toBeLessThanOrEqual(4)
  })

  it('keeps both halves of a rename in one batch while other changes keep coming', async () => {
    const b = batcher()
    let t = 0
    const tick = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms)
      t += ms
    }
    // Steady additions, a rename in the middle: the deletion at 2 s, its addition 1 s later.
    for (; t < 6000;) {
      b.add(`copy${t}`, false)
      if (t === 2000) b.add('old-name', true)
      if (t === 3000) b.add('new-name', false)
      await tick(100)
    }
    await tick(3000)
    const withOld = seen.find((s) => s.paths.includes('old-name'))
    const withNew = seen.find((s) => s.paths.includes('new-name'))
    expect(withOld).toBeDefined()
    expect(withOld).toBe(withNew)
    // Additions before the deletion were not held back for it.
    const early = seen.find((s) => s.paths.includes('copy1000'))!
    expect(early.at).toBeLessThan(2500)
  })

  it('idle() hands over everything still waiting', async () => {
    const b = batcher()
    b.add('x', true)
    b.add('y', false)
    await b.idle()
    expect(seen.flatMap((s) => s.paths).sort()).toEqual(['x', 'y'])
    expect(b.size).toBe(0)
  })
})
