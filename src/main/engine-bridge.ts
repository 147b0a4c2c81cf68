/**
 * Main's side of the engine: one utility process (`engine-host-entry.ts`) that runs `EngineService`, so
 * ONNX, LanceDB and sharp never hold the UI's event loop. The bridge correlates calls with replies, times
 * out quick calls only, restarts the process once after a crash, and reports what happened as an
 * `EngineStatus` the interface can show.
 *
 * It never imports Electron at runtime: `engine-process.ts` forks the real utility process, tests pass a fake.
 */
import {
  ContractError,
  type Args,
  type EngineEvent,
  type MediaKind,
  type MethodName,
  type Results,
} from '../shared/contract'
import type { EngineStatus } from '../preload/api'
import { isFromEngineHost, type FromEngineHost, type MediaAnswer, type ToEngineHost } from './engine-wire'

/** The engine's process as the bridge sees it (a `UtilityProcess` in the app). */
export interface EngineProcess {
  postMessage(message: ToEngineHost): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number) => void): void
  kill(): void
}

/**
 * Calls that read or change a little and answer at once; they time out, so a hung engine shows as an error
 * instead of a spinner forever. Every other call (scans, searches that may load a model, duplicates over the
 * whole library, trash, reprojection, the map) runs as long as it needs. Long jobs (indexing, training,
 * downloads) return at once anyway and report progress as events.
 */
export const QUICK_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([
  'app.info',
  'library.status',
  'library.timeline',
  'library.photo',
  'library.problems',
  'index.start',
  'index.cancel',
  'search.capabilities',
  'groups.list',
  'albums.list',
  'albums.create',
  'albums.rename',
  'albums.members',
  'train.start',
  'train.cancel',
  'heads.list',
  'settings.get',
  'settings.update',
  'models.list',
  'models.download',
])

export interface EngineBridgeOptions {
  /** Starts the engine process (again, after a crash). */
  spawn: () => EngineProcess
  /** Every engine event, in order. */
  onEvent: (event: EngineEvent) => void
  /** The process restarted after a crash, is running again, or failed for good. */
  onStatus?: (status: EngineStatus) => void
  /** Time limit of {@link QUICK_METHODS} and media lookups; default 30 s. */
  quickTimeoutMs?: number
  /** How long `close()` waits for the engine to close its library before killing it; default 10 s. */
  closeTimeoutMs?: number
  /** Automatic restarts after crashes; default 1. */
  maxRestarts?: number
  warn?: (message: string) => void
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout> | null
}

export class EngineBridge {
  private child: EngineProcess | null = null
  private ready = false
  private restarts = 0
  private lastFatal: string | null = null
  private failure: string | null = null
  private closing: Promise<void> | null = null
  private onClosed: (() => void) | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private currentStatus: EngineStatus = { state: 'running', message: null }
  private readonly warn: (message: string) => void

  constructor(private readonly options: EngineBridgeOptions) {
    this.warn = options.warn ?? ((message) => console.warn(message))
  }

  /** The process's state as last reported. */
  get status(): EngineStatus {
    return this.currentStatus
  }

  /** Starts the engine process; calls start it too if needed. */
  start(): void {
    if (!this.child && !this.closing && this.failure === null) this.spawnChild()
  }

  /** One contract call (arguments already validated by the caller); rejects with a `ContractError`. */
  call<M extends MethodName>(method: M, args: Args<M>): Promise<Results[M]> {
    const timeout = QUICK_METHODS.has(method) ? this.quickTimeout : null
    return this.request((id) => ({ kind: 'call', id, method, args }), timeout, `${method}`) as Promise<
      Results[M]
    >
  }

  /** Where a photo's thumbnail or picture is, as the engine host resolved it (see `MediaAnswer`). */
  media(kind: MediaKind, target: string): Promise<MediaAnswer> {
    return this.request(
      (id) => ({ kind: 'media', id, mediaKind: kind, target }),
      this.quickTimeout,
      `the ${kind} request`,
    ) as Promise<MediaAnswer>
  }

  /** Asks the engine to close its library and exit; kills it after `closeTimeoutMs`. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing
    this.rejectAll(new ContractError('Tessera is closing.', 'engine-unavailable'))
    const child = this.child
    if (!child) return (this.closing = Promise.resolve())
    this.closing = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.warn('[engine] did not close in time; killing it')
        child.kill()
      }, this.options.closeTimeoutMs ?? 10_000)
      this.onClosed = () => {
        clearTimeout(timer)
        resolve()
      }
      try {
        child.postMessage({ kind: 'close' })
      } catch {
        child.kill()
      }
    })
    return this.closing
  }

  private get quickTimeout(): number {
    return this.options.quickTimeoutMs ?? 30_000
  }

  private request(
    make: (id: number) => ToEngineHost,
    timeoutMs: number | null,
    label: string,
  ): Promise<unknown> {
    if (this.closing) return Promise.reject(new ContractError('Tessera is closing.', 'engine-unavailable'))
    if (this.failure !== null) return Promise.reject(new ContractError(this.failure, 'engine-unavailable'))
    this.start()
    const child = this.child
    if (!child) return Promise.reject(new ContractError('The engine is not running.', 'engine-unavailable'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === null
          ? null
          : setTimeout(() => {
              this.pending.delete(id)
              reject(
                new ContractError(
                  `The engine did not answer ${label} within ${Math.round(timeoutMs / 1000)} s.`,
                  'timeout',
                ),
              )
            }, timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
      try {
        child.postMessage(make(id))
      } catch (error) {
        this.settle(id)?.reject(
          new ContractError(`Could not reach the engine: ${(error as Error).message}`, 'engine-unavailable'),
        )
      }
    })
  }

  /** Removes a pending request and its timer; returns it (or undefined when it already timed out). */
  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id)
    if (!entry) return undefined
    this.pending.delete(id)
    if (entry.timer) clearTimeout(entry.timer)
    return entry
  }

  private rejectAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error)
  }

  private spawnChild(): void {
    const child = this.options.spawn()
    this.child = child
    this.ready = false
    this.lastFatal = null
    child.onMessage((message) => {
      if (this.child === child) this.receive(message)
    })
    child.onExit((code) => {
      if (this.child === child) this.exited(code)
    })
  }

  private receive(message: unknown): void {
    if (!isFromEngineHost(message)) {
      this.warn('[engine] ignored a message of unknown shape')
      return
    }
    const m: FromEngineHost = message
    switch (m.kind) {
      case 'ready':
        this.ready = true
        if (this.currentStatus.state !== 'running') this.report({ state: 'running', message: null })
        break
      case 'fatal':
        this.lastFatal = m.message
        this.warn(`[engine] ${m.message}`)
        break
      case 'event':
        try {
          this.options.onEvent(m.event)
        } catch (error) {
          this.warn(`[engine] an event listener failed: ${String(error)}`)
        }
        break
      case 'reply': {
        const entry = this.settle(m.id)
        if (!entry) break
        if (m.ok) entry.resolve(m.result)
        else entry.reject(new ContractError(m.error.message, m.error.code))
        break
      }
      case 'media-reply':
        this.settle(m.id)?.resolve(m.answer)
        break
    }
  }

  private exited(code: number): void {
    this.child = null
    if (this.closing) {
      this.onClosed?.()
      return
    }
    const reason = this.lastFatal ?? `The engine process stopped unexpectedly (exit code ${code}).`
    this.rejectAll(new ContractError(`${reason} Please try again.`, 'engine-crashed'))
    const maxRestarts = this.options.maxRestarts ?? 1
    if (this.ready && this.restarts < maxRestarts) {
      this.restarts++
      this.report({ state: 'restarting', message: `${reason} Restarting it…` })
      this.spawnChild()
      return
    }
    this.failure = `${reason} Restart Tessera to try again.`
    this.report({ state: 'failed', message: this.failure })
  }

  private report(status: EngineStatus): void {
    this.currentStatus = status
    this.warn(`[engine] ${status.state}${status.message ? `: ${status.message}` : ''}`)
    try {
      this.options.onStatus?.(status)
    } catch (error) {
      this.warn(`[engine] a status listener failed: ${String(error)}`)
    }
  }
}
