import { describe, expect, it } from 'vitest'
import type { EngineProgress } from '../../../src/host/engine-types.js'
import { Indexing, type IndexingEngine } from '../../../src/host/indexing.js'
import { JobRunner } from '../../../src/host/jobs/job-runner.js'
import type { EngineEvent, IndexingState } from '../../../src/shared/contract.js'

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

/** Runs every pending microtask (no clock involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

type Summary = Awaited<ReturnType<IndexingEngine['index']>>

/** An engine whose index runs end when the test says, and whose watchers are counted. */
function fakeEngine(roots = ['/photos']) {
  const runs: Array<{ signal: AbortSignal | undefined; end: ReturnType<typeof deferred<Summary>> }> = []
  const watchers = { opened: 0, closed: 0 }
  const engine: IndexingEngine = {
    settings: { roots, lastProvider: { provider: 'cpu', attempts: [], at: '2026-01-01T00:00:00Z' } },
    index: (_folders, signal) => {
      const end = deferred<Summary>()
      runs.push({ signal, end })
      return end.promise
    },
    watch: async () => {
      watchers.opened++
      return { close: async () => void watchers.closed++ }
    },
  }
  return { engine, runs, watchers }
}

function fakeEvents() {
  const emitted: EngineEvent[] = []
  return {
    emitted,
    states: () => emitted.flatMap((e) => (e.type === 'index' ? [e.state] : [])),
    hub: {
      emit: (event: EngineEvent) => void emitted.push(event),
      libraryChanged: async () => void emitted.push({ type: 'library', version: 1 }),
      libraryChangedAtMost: () => void emitted.push({ type: 'library', version: 0 }),
    },
  }
}

const progress = (phase: EngineProgress['phase'], done: number, total: number): EngineProgress => ({
  phase,
  done,
  total,
})

describe('Indexing on the job runner', () => {
  it('reports a run as the interface sees it: running from the start, progress, then the last outcome', async () => {
    const { engine, runs, watchers } = fakeEngine()
    const events = fakeEvents()
    const indexing = new Indexing(engine, new JobRunner(), events.hub, true)

    indexing.onProgress(progress('index', 1, 9)) // outside a run: not indexing
    expect(events.emitted).toEqual([])

    expect(indexing.start()).toBe(true)
    expect(indexing.state).toMatchObject({ running: true, phase: 'scan', done: 0, last: null })
    expect(indexing.start()).toBe(false) // one run covers every root
    await settle()
    expect(runs).toHaveLength(1)

    indexing.onProgress(progress('scan', 0, 0))
    indexing.onProgress(progress('index', 3, 10))
    expect(indexing.state).toMatchObject({
      running: true,
      phase: 'index',
      done: 3,
      total: 10,
      provider: 'cpu',
    })

    runs[0]!.end.resolve({ indexed: 9, failed: [{ path: '/photos/x.jpg' }] as Summary['failed'], seconds: 4 })
    await settle()
    const expected: IndexingState['last'] = { indexed: 9, failed: 1, seconds: 4, error: null }
    expect(indexing.state).toMatchObject({ running: false, phase: 'idle', provider: 'cpu', last: expected })
    expect(events.states().map((s) => [s.running, s.phase])).toEqual([
      [true, 'scan'],
      [true, 'scan'],
      [true, 'index'],
      [false, 'idle'],
    ])
    // Told about new photos while indexing (throttled by the hub) and once at the end; then watching.
    expect(
      events.emitted.filter((e) => e.type === 'library').map((e) => e.type === 'library' && e.version),
    ).toEqual([0, 1])
    expect(watchers).toEqual({ opened: 1, closed: 0 })

    indexing.onProgress(progress('index', 5, 10)) // after the run: ignored
    expect(indexing.state.phase).toBe('idle')

    // The next run keeps the last outcome until it ends, and replaces the watcher after.
    expect(indexing.start()).toBe(true)
    expect(indexing.state.last).toEqual(expected)
    await settle()
    runs[1]!.end.resolve({ indexed: 0, failed: [], seconds: 1 })
    await settle()
    expect(watchers).toEqual({ opened: 2, closed: 1 })
  })

  it('stops a run through its signal and says so', async () => {
    const { engine, runs } = fakeEngine()
    const events = fakeEvents()
    const indexing = new Indexing(engine, new JobRunner(), events.hub, true)
    expect(indexing.cancel()).toBe(false)
    indexing.start()
    await settle()
    expect(indexing.cancel()).toBe(true)
    expect(runs[0]!.signal?.aborted).toBe(true)
    runs[0]!.end.reject(new Error('This operation was aborted'))
    await settle()
    expect(indexing.state).toMatchObject({
      running: false,
      last: { indexed: 0, failed: 0, seconds: 0, error: 'Stopped.' },
    })
  })

  it('gives a failed run its reason, and does not watch when told not to', async () => {
    const { engine, runs, watchers } = fakeEngine()
    const events = fakeEvents()
    const indexing = new Indexing(engine, new JobRunner(), events.hub, false)
    indexing.start()
    await settle()
    runs[0]!.end.reject(new Error('The library folder is not writable.'))
    await settle()
    expect(indexing.state.last?.error).toBe('The library folder is not writable.')
    expect(watchers.opened).toBe(0)
  })

  it('closes: stops the run, the watcher, and says nothing more', async () => {
    const { engine, runs, watchers } = fakeEngine()
    const events = fakeEvents()
    const jobs = new JobRunner()
    const indexing = new Indexing(engine, jobs, events.hub, true)
    indexing.start()
    await settle()
    runs[0]!.end.resolve({ indexed: 1, failed: [], seconds: 1 })
    await settle()
    indexing.start()
    await settle()
    const before = events.emitted.length
    await indexing.close()
    expect(runs[1]!.signal?.aborted).toBe(true)
    runs[1]!.end.reject(new Error('aborted'))
    await jobs.settled()
    await settle()
    expect(watchers).toEqual({ opened: 1, closed: 1 })
    expect(events.emitted.length).toBe(before)
    expect(indexing.start()).toBe(false)
  })
})
