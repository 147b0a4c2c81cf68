/**
 * Keeps the interface a polite client of a bounded host: at most `maxInFlight` calls outstanding (a view
 * that asks for hundreds of things at once queues here instead of in the host), and a call the host
 * answered `busy` (its own queues are full, e.g. another window is hammering it) is tried again after a
 * short, growing pause. Any other error is the caller's.
 */
import { EngineError } from './transport'

export interface PacerOptions {
  maxInFlight?: number
  /** Pauses before each retry of a `busy` call, in ms; the call fails with `busy` after the last. */
  retryDelaysMs?: readonly number[]
  sleep?: (ms: number) => Promise<void>
}

const DEFAULT_DELAYS = [50, 100, 200, 400, 800, 1600, 3200]

export class CallPacer {
  private inFlight = 0
  private readonly waiting: Array<() => void> = []
  private readonly maxInFlight: number
  private readonly delays: readonly number[]
  private readonly sleep: (ms: number) => Promise<void>

  constructor(opts: PacerOptions = {}) {
    this.maxInFlight = opts.maxInFlight ?? 32
    this.delays = opts.retryDelaysMs ?? DEFAULT_DELAYS
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.inFlight++
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await call()
        } catch (error) {
          const delay = this.delays[attempt]
          if (!(error instanceof EngineError) || error.code !== 'busy' || delay === undefined) throw error
          await this.sleep(delay)
        }
      }
    } finally {
      // Hand the slot straight to the next waiting call, or free it.
      const next = this.waiting.shift()
      if (next) next()
      else this.inFlight--
    }
  }
}
