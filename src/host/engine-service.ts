/**
 * The engine host: the contract's methods implemented on one Engine, plus the long jobs the interface
 * starts and watches (indexing, watching, training, downloads, the map), reported as events. Served as
 * is by the browser-mode server (WebSocket) and the Electron utility process (IPC): neither adds logic.
 *
 * This file only composes: the handlers live in `handlers/`, one module per domain; long work runs as jobs
 * on the job runner (`jobs/job-runner.ts`); what the domains share (events, caches, indexing and
 * watching, continuous training) is built here once and handed to each.
 */
import { Engine } from '../engine/engine.js'
import {
  ContractError,
  type Args,
  type EngineApi,
  type EngineEvent,
  type MethodName,
  type Results,
} from '../shared/contract.js'
import { ContinuousTraining } from './continuous-training.js'
import type { EngineServiceOptions, Handlers, HostContext } from './handlers/context.js'
import { createHandlers } from './handlers/index.js'
import { MAP_JOB } from './handlers/map.js'
import { HostEvents } from './host-events.js'
import { Indexing, STOPPED } from './indexing.js'
import { JobRunner } from './jobs/job-runner.js'
import { LibraryCaches } from './library-caches.js'
import type { MediaSource } from './media-source.js'

export type { EngineServiceOptions } from './handlers/context.js'

export class EngineService implements EngineApi {
  private closed = false

  private constructor(
    private readonly context: HostContext,
    private readonly handlers: Handlers,
  ) {}

  static async open(options: EngineServiceOptions): Promise<EngineService> {
    // The engine reports progress from its first step; indexing picks it up once it exists.
    const progressTo: { indexing?: Indexing } = {}
    const engine = await Engine.open({
      libraryDir: options.libraryDir,
      modelMirror: options.modelMirror,
      onProgress: (event) => progressTo.indexing?.onProgress(event),
    })
    const events = new HostEvents(engine)
    const jobs = new JobRunner()
    const autoIndex = options.autoIndex !== false
    const indexing = new Indexing(engine, jobs, events, autoIndex)
    progressTo.indexing = indexing
    const context: HostContext = {
      engine,
      options,
      events,
      jobs,
      caches: new LibraryCaches(engine),
      indexing,
      continuous: new ContinuousTraining(engine, events),
    }
    const service = new EngineService(context, createHandlers(context))
    if (autoIndex && engine.settings.roots.length > 0) indexing.start()
    await context.continuous.restart()
    return service
  }

  call<M extends MethodName>(method: M, args: Args<M>): Promise<Results[M]> {
    if (this.closed) return Promise.reject(new ContractError('The library is closing.', 'closed'))
    const handler = this.handlers[method] as (...a: Args<M>) => Promise<Results[M]>
    return handler(...args)
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.context.events.subscribe(listener)
  }

  media(): MediaSource {
    const { engine, caches } = this.context
    return {
      photoPath: async (id) => {
        const row = await caches.mediaRow(id)
        return row && row.status === 'ok' ? { path: row.path } : null
      },
      thumbPath: async (id) => {
        const row = await caches.mediaRow(id)
        if (!row?.hash || row.status === 'failed') return null
        // JPEG, or the WebP of a library indexed before; a missing one is reported as a missing file.
        return (await engine.thumbnails.find(row.hash)) ?? engine.thumbnails.pathFor(row.hash)
      },
      roots: () => engine.settings.roots,
      thumbsDir: engine.thumbnails.dir,
    }
  }

  /**
   * Stops every job and waits for the ones that stop on their signal (indexing, training, downloads; the
   * map layout cannot be interrupted and is not waited for), then closes the engine.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const { engine, jobs, indexing, continuous } = this.context
    jobs.cancelAll(STOPPED)
    await continuous.stop()
    await indexing.close()
    await jobs.settled((job) => job.kind !== MAP_JOB)
    await engine.close()
  }
}
