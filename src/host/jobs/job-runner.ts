/**
 * The host's long jobs (indexing, training, model downloads, the map layout) run through one small runner:
 * each job gets an AbortSignal and a progress callback, and ends with a status and, when it did not
 * finish, a reason. Subscribers see every change. The runner knows nothing of the engine: a job is a
 * function.
 */

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** What a job is doing, as subscribers and `get` see it. */
export interface JobInfo<T = unknown, P = unknown> {
  readonly id: string
  readonly kind: string
  readonly status: JobStatus
  /** The last progress the job reported, null until it reports one. */
  readonly progress: P | null
  /** Why the job failed (the error's message) or was cancelled (the reason given to `cancel`). */
  readonly reason: string | null
  /** What the job returned, once it is done. */
  readonly result: T | undefined
}

export interface JobEvent<T = unknown, P = unknown> {
  /** `status` when the status changed (queued, running, then one of done, failed, cancelled). */
  type: 'status' | 'progress'
  job: JobInfo<T, P>
}

export interface JobContext<P> {
  readonly signal: AbortSignal
  progress(value: P): void
}

export type JobWork<T, P> = (context: JobContext<P>) => Promise<T>

export interface Job<T = unknown, P = unknown> {
  readonly id: string
  readonly kind: string
  info(): JobInfo<T, P>
  /**
   * Resolves to what the work returned; rejects with the work's own error when it failed, or with a
   * JobCancelledError when it was cancelled.
   */
  readonly result: Promise<T>
  cancel(reason?: string): boolean
}

export interface StartOptions<T, P> {
  /**
   * At most one job of this kind at a time (default true): while one is queued or running, `start`
   * returns that one (`started: false`) instead of starting another.
   */
  exclusive?: boolean
  /** Sees this job's events from the first (`queued`), before `start` returns. */
  onEvent?: (event: JobEvent<T, P>) => void
}

export interface JobRunnerOptions {
  /** Finished jobs kept for `get` and `list` (the oldest are forgotten first). Default 50. */
  keepFinished?: number
  /** Job ids; default `job-1`, `job-2`, … */
  newId?: () => string
}

export class JobCancelledError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'JobCancelledError'
  }
}

export const DEFAULT_CANCEL_REASON = 'Cancelled.'

const FINISHED: ReadonlySet<JobStatus> = new Set(['done', 'failed', 'cancelled'])

export function isFinished(status: JobStatus): boolean {
  return FINISHED.has(status)
}

interface Entry {
  info: JobInfo
  job: Job
  abort: AbortController
  cancelReason: string | null
  listeners: Array<(event: JobEvent) => void>
}

export class JobRunner {
  private readonly entries = new Map<string, Entry>()
  private readonly listeners = new Set<(event: JobEvent) => void>()
  private readonly keepFinished: number
  private readonly newId: () => string
  private count = 0

  constructor(options: JobRunnerOptions = {}) {
    this.keepFinished = options.keepFinished ?? 50
    this.newId = options.newId ?? (() => `job-${++this.count}`)
  }

  /**
   * Queues `work` as a job of `kind`; it starts on the next microtask, so the caller has the job (and
   * `onEvent` has seen `queued`) before any of the work runs.
   */
  start<T, P = never>(
    kind: string,
    work: JobWork<T, P>,
    options: StartOptions<T, P> = {},
  ): { job: Job<T, P>; started: boolean } {
    if (options.exclusive !== false) {
      const current = this.active(kind)
      if (current) return { job: current as Job<T, P>, started: false }
    }
    const id = this.newId()
    const abort = new AbortController()
    let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void }
    const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }))
    // Nobody has to wait for a job: its outcome is in its status.
    result.catch(() => undefined)
    const entry: Entry = {
      info: { id, kind, status: 'queued', progress: null, reason: null, result: undefined },
      abort,
      cancelReason: null,
      listeners: options.onEvent ? [options.onEvent as (event: JobEvent) => void] : [],
      job: {
        id,
        kind,
        info: () => entry.info as JobInfo<T, P>,
        result,
        cancel: (reason) => this.cancel(id, reason),
      },
    }
    this.entries.set(id, entry)
    this.publish(entry, 'status')

    queueMicrotask(() => {
      if (isFinished(entry.info.status)) {
        settle.reject(new JobCancelledError(entry.info.reason ?? DEFAULT_CANCEL_REASON))
        return
      }
      this.update(entry, { status: 'running' }, 'status')
      const context: JobContext<P> = {
        signal: abort.signal,
        progress: (value) => {
          if (entry.info.status === 'running') this.update(entry, { progress: value }, 'progress')
        },
      }
      let running: Promise<T>
      try {
        running = work(context)
      } catch (error) {
        running = Promise.reject(error)
      }
      running.then(
        (value) => {
          this.finish(entry, { status: 'done', result: value })
          settle.resolve(value)
        },
        (error: unknown) => {
          if (abort.signal.aborted) {
            const reason = entry.cancelReason ?? DEFAULT_CANCEL_REASON
            this.finish(entry, { status: 'cancelled', reason })
            settle.reject(new JobCancelledError(reason))
          } else {
            this.finish(entry, { status: 'failed', reason: message(error) })
            settle.reject(error)
          }
        },
      )
    })
    return { job: entry.job as Job<T, P>, started: true }
  }

  /**
   * Asks a queued or running job to stop: its signal aborts. A queued job is cancelled at once; a running
   * one is cancelled when its work gives up (rejects), and done if it finishes anyway. False when there
   * is no such job or it has already finished.
   */
  cancel(id: string, reason = DEFAULT_CANCEL_REASON): boolean {
    const entry = this.entries.get(id)
    if (!entry || isFinished(entry.info.status) || entry.abort.signal.aborted) return false
    entry.cancelReason = reason
    entry.abort.abort(new JobCancelledError(reason))
    if (entry.info.status === 'queued') this.finish(entry, { status: 'cancelled', reason })
    return true
  }

  /** Cancels the active job of `kind`; false when none is active. */
  cancelKind(kind: string, reason?: string): boolean {
    const job = this.active(kind)
    return job ? this.cancel(job.id, reason) : false
  }

  /** Cancels every active job. */
  cancelAll(reason?: string): void {
    for (const entry of [...this.entries.values()]) this.cancel(entry.info.id, reason)
  }

  /** The queued or running job of `kind`, if any. */
  active(kind: string): Job | undefined {
    for (const entry of this.entries.values()) {
      if (entry.info.kind === kind && !isFinished(entry.info.status)) return entry.job
    }
    return undefined
  }

  get(id: string): JobInfo | undefined {
    return this.entries.get(id)?.info
  }

  /** Active and recently finished jobs, oldest first. */
  list(): JobInfo[] {
    return [...this.entries.values()].map((e) => e.info)
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Resolves once every job active now (and matching `which`) has finished, however it ended. */
  async settled(which: (job: JobInfo) => boolean = () => true): Promise<void> {
    const waiting = [...this.entries.values()]
      .filter((e) => !isFinished(e.info.status) && which(e.info))
      .map((e) => e.job.result.catch(() => undefined))
    await Promise.all(waiting)
  }

  private finish(entry: Entry, patch: Partial<JobInfo>): void {
    this.update(entry, patch, 'status')
    const finished = [...this.entries.values()].filter((e) => isFinished(e.info.status))
    for (const old of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) {
      this.entries.delete(old.info.id)
    }
  }

  private update(entry: Entry, patch: Partial<JobInfo>, type: JobEvent['type']): void {
    entry.info = { ...entry.info, ...patch }
    this.publish(entry, type)
  }

  private publish(entry: Entry, type: JobEvent['type']): void {
    const event: JobEvent = { type, job: entry.info }
    for (const listener of [...entry.listeners, ...this.listeners]) {
      try {
        listener(event)
      } catch {
        // One listener failing must not stop the others, nor the job.
      }
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
