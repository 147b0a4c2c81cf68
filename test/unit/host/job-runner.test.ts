import { describe, expect, it } from 'vitest'
import {
  JobCancelledError,
  JobRunner,
  type JobContext,
  type JobEvent,
} from '../../../src/host/jobs/job-runner.js'

/** A promise settled from outside, so each test decides exactly when a job's work ends. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

/** Lets queued microtasks (the runner starting a job, a work's continuation) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

/** A job's work controlled by the test: it records its context and ends when told. */
function controlled<T, P = number>() {
  const end = deferred<T>()
  const calls: Array<JobContext<P>> = []
  const work = (context: JobContext<P>): Promise<T> => {
    calls.push(context)
    return end.promise
  }
  return { work, end, calls }
}

function trace(runner: JobRunner): string[] {
  const seen: string[] = []
  runner.subscribe((e) => seen.push(`${e.job.id}:${e.type}:${e.job.status}`))
  return seen
}

describe('JobRunner', () => {
  it('queues a job, runs it on the next microtask, reports progress and ends done with its result', async () => {
    const runner = new JobRunner()
    const seen = trace(runner)
    const { work, end, calls } = controlled<string>()
    const { job, started } = runner.start('index', work)
    expect(started).toBe(true)
    expect(job.info()).toMatchObject({ kind: 'index', status: 'queued', progress: null, reason: null })
    expect(calls).toHaveLength(0)

    await flush()
    expect(calls).toHaveLength(1)
    expect(job.info().status).toBe('running')
    calls[0]!.progress(3)
    calls[0]!.progress(7)
    expect(job.info().progress).toBe(7)

    end.resolve('summary')
    await expect(job.result).resolves.toBe('summary')
    expect(job.info()).toMatchObject({ status: 'done', result: 'summary', reason: null, progress: 7 })
    expect(seen).toEqual([
      'job-1:status:queued',
      'job-1:status:running',
      'job-1:progress:running',
      'job-1:progress:running',
      'job-1:status:done',
    ])
  })

  it('fails with the error message as the reason, and rejects with the original error', async () => {
    const runner = new JobRunner()
    const { work, end } = controlled<void>()
    const { job } = runner.start('train', work)
    await flush()
    const error = new Error('Training needs at least 2 albums.')
    end.reject(error)
    await expect(job.result).rejects.toBe(error)
    expect(job.info()).toMatchObject({ status: 'failed', reason: 'Training needs at least 2 albums.' })
  })

  it('counts a work that throws before returning a promise as failed', async () => {
    const runner = new JobRunner()
    const { job } = runner.start('map', () => {
      throw new Error('no embeddings')
    })
    await expect(job.result).rejects.toThrow('no embeddings')
    expect(job.info()).toMatchObject({ status: 'failed', reason: 'no embeddings' })
  })

  it('cancels a running job through its signal, with the reason given', async () => {
    const runner = new JobRunner()
    const { work, end, calls } = controlled<void>()
    const { job } = runner.start('index', work)
    await flush()
    const signal = calls[0]!.signal
    expect(signal.aborted).toBe(false)
    expect(runner.cancel(job.id, 'Stopped.')).toBe(true)
    expect(signal.aborted).toBe(true)
    // Still running until the work gives up.
    expect(job.info().status).toBe('running')
    expect(runner.cancel(job.id)).toBe(false)

    end.reject(new Error('aborted'))
    await expect(job.result).rejects.toBeInstanceOf(JobCancelledError)
    expect(job.info()).toMatchObject({ status: 'cancelled', reason: 'Stopped.' })
  })

  it('counts a cancelled job whose work finishes anyway as done', async () => {
    const runner = new JobRunner()
    const { work, end } = controlled<number>()
    const { job } = runner.start('download:x', work)
    await flush()
    job.cancel()
    end.resolve(42)
    await expect(job.result).resolves.toBe(42)
    expect(job.info().status).toBe('done')
  })

  it('cancels a queued job before its work ever runs', async () => {
    const runner = new JobRunner()
    const { work, calls } = controlled<void>()
    const { job } = runner.start('index', work)
    expect(job.cancel()).toBe(true)
    expect(job.info()).toMatchObject({ status: 'cancelled', reason: 'Cancelled.' })
    await expect(job.result).rejects.toThrow('Cancelled.')
    expect(calls).toHaveLength(0)
  })

  it('runs at most one job of a kind: a second start returns the active one', async () => {
    const runner = new JobRunner()
    const first = controlled<string>()
    const second = controlled<string>()
    const a = runner.start('map', first.work)
    const b = runner.start('map', second.work)
    expect(b.started).toBe(false)
    expect(b.job).toBe(a.job)
    // Another kind is not held back.
    const other = runner.start('train', second.work)
    expect(other.started).toBe(true)
    await flush()
    expect(first.calls).toHaveLength(1)
    expect(second.calls).toHaveLength(1)

    first.end.resolve('layout')
    await expect(b.job.result).resolves.toBe('layout')
    // Once it finished, the kind is free again.
    const c = runner.start('map', first.work)
    expect(c.started).toBe(true)
    expect(c.job.id).not.toBe(a.job.id)
  })

  it('starts jobs side by side when not exclusive', () => {
    const runner = new JobRunner()
    const { work } = controlled<void>()
    const a = runner.start('thumb', work, { exclusive: false })
    const b = runner.start('thumb', work, { exclusive: false })
    expect(b.started).toBe(true)
    expect(b.job.id).not.toBe(a.job.id)
  })

  it('gives a job its own listener from the first event, and keeps going when a listener throws', async () => {
    const runner = new JobRunner()
    runner.subscribe(() => {
      throw new Error('a closed socket')
    })
    const own: Array<JobEvent<string, number>> = []
    const { work, end, calls } = controlled<string>()
    const { job } = runner.start('index', work, { onEvent: (e) => own.push(e) })
    await flush()
    calls[0]!.progress(1)
    end.resolve('ok')
    await job.result
    expect(own.map((e) => [e.type, e.job.status, e.job.progress])).toEqual([
      ['status', 'queued', null],
      ['status', 'running', null],
      ['progress', 'running', 1],
      ['status', 'done', 1],
    ])
  })

  it('ignores progress reported after the job ended', async () => {
    const runner = new JobRunner()
    const { work, end, calls } = controlled<void>()
    const { job } = runner.start('index', work)
    await flush()
    end.resolve()
    await job.result
    calls[0]!.progress(99)
    expect(job.info().progress).toBeNull()
  })

  it('lists jobs, finds the active one of a kind, and forgets the oldest finished ones', async () => {
    const runner = new JobRunner({ keepFinished: 2 })
    const works = [controlled<number>(), controlled<number>(), controlled<number>()]
    const jobs = works.map((w, i) => runner.start(`k${i}`, w.work).job)
    expect(runner.active('k1')).toBe(jobs[1])
    expect(runner.active('k9')).toBeUndefined()
    await flush()
    works.forEach((w, i) => w.end.resolve(i))
    await Promise.all(jobs.map((j) => j.result))
    expect(runner.list().map((j) => j.id)).toEqual([jobs[1]!.id, jobs[2]!.id])
    expect(runner.get(jobs[0]!.id)).toBeUndefined()
    expect(runner.get(jobs[2]!.id)).toMatchObject({ status: 'done', result: 2 })
    expect(runner.active('k1')).toBeUndefined()
  })

  it('cancels everything and waits until the chosen jobs have settled', async () => {
    const runner = new JobRunner()
    const index = controlled<void>()
    const map = controlled<void>()
    const a = runner.start('index', index.work).job
    const b = runner.start('map', map.work).job
    await flush()
    runner.cancelAll('The library is closing.')
    expect(index.calls[0]!.signal.aborted).toBe(true)
    expect(map.calls[0]!.signal.aborted).toBe(true)

    let settled = false
    const waiting = runner.settled((j) => j.kind === 'index').then(() => (settled = true))
    await flush()
    expect(settled).toBe(false)
    index.end.reject(new Error('aborted'))
    await waiting
    expect(a.info()).toMatchObject({ status: 'cancelled', reason: 'The library is closing.' })
    // The map job was not waited for: it is still running.
    expect(b.info().status).toBe('running')
    expect(runner.cancelKind('map')).toBe(false)
    map.end.resolve()
    await b.result
  })

  it('takes job ids from the given source', () => {
    let n = 100
    const runner = new JobRunner({ newId: () => `id-${n++}` })
    expect(runner.start('a', controlled<void>().work).job.id).toBe('id-100')
    expect(runner.start('b', controlled<void>().work).job.id).toBe('id-101')
  })
})
