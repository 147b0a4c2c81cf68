/**
 * Bounds the work clients can start: calls run at most `inFlight` at once overall and
 * `perConnectionInFlight` per connection; the others wait in a queue of bounded length (overall and per
 * connection) and of bounded payload bytes; beyond these a call is refused at once with code `busy`. The
 * browser-mode server gives each WebSocket its own connection; the Electron engine host has one (main).
 *
 * Waiting calls start in arrival order, skipping those whose connection is at its own limit, so one busy
 * client cannot hold every slot while another waits.
 */
import { ContractError } from '../shared/contract.js'

export interface GateLimits {
  /** Calls running at once, overall. */
  inFlight: number
  /** Calls running at once, per connection. */
  perConnectionInFlight: number
  /** Calls waiting, overall. */
  queue: number
  /** Calls waiting, per connection. */
  perConnectionQueue: number
  /** Payload bytes held by running and waiting calls, overall. */
  bytes: number
  /** Payload bytes held by running and waiting calls, per connection. */
  perConnectionBytes: number
}

export const DEFAULT_GATE_LIMITS: GateLimits = {
  inFlight: 8,
  perConnectionInFlight: 4,
  queue: 1024,
  perConnectionQueue: 256,
  bytes: 192 * 1024 * 1024,
  perConnectionBytes: 128 * 1024 * 1024,
}

export class BusyError extends ContractError {
  constructor(message = 'Tessera is busy with other requests: try again in a moment.') {
    super(message, 'busy')
  }
}

interface Waiting {
  connection: GateConnection
  bytes: number
  start: () => void
  cancel: (error: Error) => void
}

export interface GateStats {
  running: number
  waiting: number
  bytes: number
  /** Calls refused with `busy` since the gate was made. */
  refused: number
}

export class CallGate {
  readonly limits: GateLimits
  private running = 0
  private bytes = 0
  private refused = 0
  private readonly waiting: Waiting[] = []

  constructor(limits: Partial<GateLimits> = {}) {
    this.limits = { ...DEFAULT_GATE_LIMITS, ...limits }
  }

  connection(): GateConnection {
    return new GateConnection(this)
  }

  stats(): GateStats {
    return { running: this.running, waiting: this.waiting.length, bytes: this.bytes, refused: this.refused }
  }

  /**
   * @internal Whether a call of `bytes` would be refused whatever it is (its queue or its byte budget is
   * full); counted as refused when so. Lets a server refuse a frame before parsing it.
   */
  refuses(connection: GateConnection, bytes: number): boolean {
    const { limits } = this
    const full =
      this.waiting.length >= limits.queue ||
      connection.waiting >= limits.perConnectionQueue ||
      this.bytes + bytes > limits.bytes ||
      connection.bytes + bytes > limits.perConnectionBytes
    if (full) this.refused++
    return full
  }

  /** @internal Runs `task` now, later, or refuses it with a {@link BusyError}. */
  submit<T>(connection: GateConnection, bytes: number, task: () => Promise<T>): Promise<T> {
    if (connection.closed) return Promise.reject(new ContractError('The connection is closed.', 'closed'))
    const { limits } = this
    const canRun = this.running < limits.inFlight && connection.running < limits.perConnectionInFlight
    const overBytes =
      this.bytes + bytes > limits.bytes || connection.bytes + bytes > limits.perConnectionBytes
    // A payload larger than the whole budget could never run: it is refused too (the per-method size limits
    // keep real calls well under it).
    if (
      overBytes ||
      (!canRun && (this.waiting.length >= limits.queue || connection.waiting >= limits.perConnectionQueue))
    ) {
      this.refused++
      return Promise.reject(new BusyError())
    }
    this.bytes += bytes
    connection.bytes += bytes
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++
        connection.running++
        let settled: Promise<T>
        try {
          settled = task()
        } catch (error) {
          settled = Promise.reject(error)
        }
        const release = () => {
          this.running--
          connection.running--
          this.bytes -= bytes
          connection.bytes -= bytes
          this.pump()
        }
        settled.then(
          (value) => {
            release()
            resolve(value)
          },
          (error: unknown) => {
            release()
            reject(error)
          },
        )
      }
      if (canRun && this.waiting.length === 0) return start()
      connection.waiting++
      this.waiting.push({
        connection,
        bytes,
        start: () => {
          connection.waiting--
          start()
        },
        cancel: (error) => {
          connection.waiting--
          this.bytes -= bytes
          connection.bytes -= bytes
          reject(error)
        },
      })
      this.pump()
    })
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.limits.inFlight;) {
      const next = this.waiting[i]!
      if (next.connection.running < this.limits.perConnectionInFlight) {
        this.waiting.splice(i, 1)
        next.start()
      } else i++
    }
  }

  /** @internal Refuses a closed connection's waiting calls. */
  drop(connection: GateConnection): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i]!
      if (w.connection !== connection) continue
      this.waiting.splice(i, 1)
      w.cancel(new ContractError('The connection is closed.', 'closed'))
    }
    this.pump()
  }
}

/** One client's share of a {@link CallGate}. */
export class GateConnection {
  running = 0
  waiting = 0
  bytes = 0
  closed = false

  constructor(private readonly gate: CallGate) {}

  /** Runs `task` within the limits, counting `bytes` of payload; rejects with a `BusyError` beyond them. */
  run<T>(bytes: number, task: () => Promise<T>): Promise<T> {
    return this.gate.submit(this, bytes, task)
  }

  /** Whether a call of `bytes` would be refused unread (see {@link CallGate.refuses}); counted when so. */
  refuses(bytes: number): boolean {
    return this.gate.refuses(this, bytes)
  }

  /** The client is gone: its waiting calls are dropped (running ones finish). */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.gate.drop(this)
  }
}
