/**
 * What every domain's handlers receive: the engine, the host's shared parts (events, job runner, caches)
 * and the two long-lived controllers other domains start or restart (indexing and watching, continuous
 * training).
 */
import type { Engine } from '../../engine/engine.js'
import type { Args, MethodName, Results } from '../../shared/contract.js'
import type { ContinuousTraining } from '../continuous-training.js'
import type { HostEvents } from '../host-events.js'
import type { Indexing } from '../indexing.js'
import type { JobRunner } from '../jobs/job-runner.js'
import type { LibraryCaches } from '../library-caches.js'

export interface EngineServiceOptions {
  libraryDir: string
  modelMirror?: string
  mode: 'browser' | 'electron'
  native?: { pickFolder: boolean; showInFolder: boolean }
  /** Start watching the roots and rescan them on open (default true; tests of single calls turn it off). */
  autoIndex?: boolean
}

export interface HostContext {
  readonly engine: Engine
  readonly options: EngineServiceOptions
  readonly events: HostEvents
  readonly jobs: JobRunner
  readonly caches: LibraryCaches
  readonly indexing: Indexing
  readonly continuous: ContinuousTraining
}

export type Handler<M extends MethodName> = (...args: Args<M>) => Promise<Results[M]>

/** Every method of the contract, implemented. */
export type Handlers = { [M in MethodName]: Handler<M> }

/** The methods under these prefixes (`'albums'` → `albums.list`, `albums.create`, …). */
export type MethodsOf<Prefix extends string> = Extract<MethodName, `${Prefix}.${string}`>

/** One domain's handlers: exactly the methods under its prefixes. */
export type DomainHandlers<Prefix extends string> = { [M in MethodsOf<Prefix>]: Handler<M> }
