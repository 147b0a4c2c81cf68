/**
 * Indexing and watching as the host runs them: a rescan of every root is an `index` job on the job runner,
 * and the interface's `IndexingState` (the `index` events, `library.status`) is read off that job. Once a
 * run ends, the roots are watched again.
 */
import type { Engine } from '../engine/engine.js'
import type { IndexingState } from '../shared/contract.js'
import type { EngineProgress, IndexSummary, LibraryWatcher } from './engine-types.js'
import type { HostEvents } from './host-events.js'
import { isFinished, type JobContext, type JobEvent, type JobRunner } from './jobs/job-runner.js'
import { message } from './handlers/shared.js'

export const INDEX_JOB = 'index'
/** The reason a stopped run gives (`last.error`). */
export const STOPPED = 'Stopped.'

/** While indexing, the interface is told about new photos at most this often. */
const LIBRARY_EVENT_EVERY_MS = 1500

type RunSummary = Pick<IndexSummary, 'indexed' | 'failed' | 'seconds'>

/** What indexing needs of the engine (the Engine itself, or a fake in unit tests). */
export interface IndexingEngine {
  readonly settings: Pick<Engine['settings'], 'roots' | 'lastProvider'>
  index(folders: string[], signal?: AbortSignal): Promise<RunSummary>
  watch(options: NonNullable<Parameters<Engine['watch']>[0]>): Promise<Pick<LibraryWatcher, 'close'>>
}

export const IDLE: IndexingState = {
  running: false,
  phase: 'idle',
  done: 0,
  total: 0,
  rate: 0,
  provider: null,
  message: null,
  last: null,
}

export class Indexing {
  private current: IndexingState = { ...IDLE }
  private startedAt = 0
  /** The running job's progress callback: the engine reports progress through one callback for all. */
  private report: ((event: EngineProgress) => void) | null = null
  private watcher: Pick<LibraryWatcher, 'close'> | null = null
  /** Watcher restarts, one after the other. */
  private watching: Promise<void> = Promise.resolve()
  private closed = false

  constructor(
    private readonly engine: IndexingEngine,
    private readonly jobs: JobRunner,
    private readonly events: Pick<HostEvents, 'emit' | 'libraryChanged' | 'libraryChangedAtMost'>,
    /** Watch the roots (off in tests of single calls). */
    private readonly watch: boolean,
  ) {}

  get state(): IndexingState {
    return this.current
  }

  /**
   * The engine's progress callback. Progress outside an indexing run (a head switch re-projecting
   * photos, a download) is not indexing: those report through their own calls and events.
   */
  onProgress(event: EngineProgress): void {
    this.report?.(event)
  }

  /** Rescans every root; a second request while one runs is a no-op (it already covers everything). */
  start(): boolean {
    if (this.closed) return false
    return this.jobs.start<RunSummary, EngineProgress>(INDEX_JOB, (context) => this.run(context), {
      onEvent: (event) => this.onJobEvent(event),
    }).started
  }

  /** Stops the current run; false when none runs. */
  cancel(): boolean {
    const job = this.jobs.active(INDEX_JOB)
    job?.cancel(STOPPED)
    return job !== undefined
  }

  private async run({ signal, progress }: JobContext<EngineProgress>): Promise<RunSummary> {
    this.report = progress
    try {
      return await this.engine.index([], signal)
    } finally {
      this.report = null
    }
  }

  private onJobEvent({ type, job }: JobEvent<RunSummary, EngineProgress>): void {
    if (job.status === 'queued') {
      this.startedAt = performance.now()
      this.current = { ...IDLE, running: true, phase: 'scan', last: this.current.last }
      this.events.emit({ type: 'index', state: this.current })
    } else if (type === 'progress' && job.progress) {
      this.progressed(job.progress)
    } else if (isFinished(job.status)) {
      const last: IndexingState['last'] =
        job.status === 'done' && job.result
          ? {
              indexed: job.result.indexed,
              failed: job.result.failed.length,
              seconds: job.result.seconds,
              error: null,
            }
          : { indexed: 0, failed: 0, seconds: 0, error: job.reason ?? STOPPED }
      this.current = { ...IDLE, provider: this.engine.settings.lastProvider?.provider ?? null, last }
      if (this.closed) return
      this.events.emit({ type: 'index', state: this.current })
      void (async () => {
        await this.events.libraryChanged()
        await this.restartWatcher()
      })().catch(() => undefined)
    }
  }

  private progressed(event: EngineProgress): void {
    const previous = this.current
    if (event.phase === 'index' && previous.phase !== 'index') this.startedAt = performance.now()
    const seconds = (performance.now() - this.startedAt) / 1000
    this.current = {
      ...previous,
      phase: event.phase,
      done: event.done,
      total: event.total,
      rate: event.phase === 'index' && seconds > 0.5 ? event.done / seconds : previous.rate,
      message: event.message ?? null,
      provider: this.engine.settings.lastProvider?.provider ?? null,
    }
    this.events.emit({ type: 'index', state: this.current })
    if (event.phase === 'index') this.events.libraryChangedAtMost(LIBRARY_EVENT_EVERY_MS)
  }

  /** Watches the roots afresh (after a run, a root removed, polling switched); restarts run in turn. */
  restartWatcher(): Promise<void> {
    const restart = this.watching.then(() => this.swapWatcher())
    this.watching = restart.catch(() => undefined)
    return restart
  }

  private async swapWatcher(): Promise<void> {
    const old = this.watcher
    this.watcher = null
    await old?.close()
    if (this.closed || !this.watch || this.engine.settings.roots.length === 0) return
    try {
      this.watcher = await this.engine.watch({
        onBatch: () => void this.events.libraryChanged().catch(() => undefined),
        onError: (error) =>
          this.events.emit({
            type: 'index',
            state: { ...this.current, message: `Watching stopped: ${message(error)}` },
          }),
      })
    } catch (error) {
      this.events.emit({
        type: 'index',
        state: { ...this.current, message: `Cannot watch: ${message(error)}` },
      })
    }
  }

  /** Stops the current run (it still has to settle: see the job runner) and the watcher. */
  async close(): Promise<void> {
    this.closed = true
    this.cancel()
    await this.watching
    const watcher = this.watcher
    this.watcher = null
    await watcher?.close()
  }
}
