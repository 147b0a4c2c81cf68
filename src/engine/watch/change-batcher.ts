/**
 * Gathers changed paths into batches for the watcher. A batch closes when nothing happened for `quietMs`,
 * or — while changes keep coming — once its oldest change has waited `maxWaitMs`: a camera card copied
 * over minutes fills the library as it goes instead of after the last file.
 *
 * A rename arrives as a deletion at once and as an addition only once the new name has stopped growing,
 * so a deletion younger than `renameGraceMs` is held back, with every change seen after it, until its
 * other half has had time to arrive: both halves are then handled in one batch and the photo keeps its
 * identity (matched by content hash). Batches never overlap; changes seen while one runs go into the next.
 */

export interface BatchTiming {
  /** A batch closes after this long without a change. */
  quietMs: number
  /** …or once its oldest change has waited this long, even if changes keep coming. */
  maxWaitMs: number
  /** How long a deletion waits for the addition that would make it a rename. */
  renameGraceMs: number
}

/** Timers, injectable so the scheduling can be tested without waiting. */
export interface BatchClock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

const systemClock: BatchClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

interface Entry {
  /** When this path was first seen since the last batch (what `maxWaitMs` measures). */
  firstSeen: number
  /** When it was last seen. */
  lastSeen: number
  deletion: boolean
}

export class ChangeBatcher {
  private readonly pending = new Map<string, Entry>()
  private lastEvent = 0
  private timer: unknown = null
  private busy = false
  private closed = false
  private running: Promise<void> = Promise.resolve()

  constructor(
    private readonly timing: BatchTiming,
    private readonly handle: (paths: string[]) => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly clock: BatchClock = systemClock,
  ) {}

  /** Notes a change (`deletion` for an unlink); it is handled in a later batch. */
  add(p: string, deletion: boolean): void {
    if (this.closed) return
    const now = this.clock.now()
    this.lastEvent = now
    const entry = this.pending.get(p)
    if (entry) {
      entry.lastSeen = now
      entry.deletion = deletion
    } else this.pending.set(p, { firstSeen: now, lastSeen: now, deletion })
    this.schedule()
  }

  /** How many paths wait for a batch. */
  get size(): number {
    return this.pending.size
  }

  /** The moment everything pending may go: quiet for `quietMs`, and every deletion past its grace. */
  private quietDue(): number {
    let due = this.lastEvent + this.timing.quietMs
    for (const e of this.pending.values())
      if (e.deletion) due = Math.max(due, e.lastSeen + this.timing.renameGraceMs)
    return due
  }

  /** The youngest-grace cut: entries seen at or after the oldest deletion still in its grace wait. */
  private cut(now: number): number {
    let cut = Infinity
    for (const e of this.pending.values())
      if (e.deletion && now - e.lastSeen < this.timing.renameGraceMs) cut = Math.min(cut, e.lastSeen)
    return cut
  }

  /** What may go now: everything once quiet; before that, what waited `maxWaitMs`'s batch minus the held. */
  private take(now: number): string[] {
    if (now >= this.quietDue()) {
      const all = [...this.pending.keys()]
      this.pending.clear()
      return all
    }
    let oldest = Infinity
    for (const e of this.pending.values()) oldest = Math.min(oldest, e.firstSeen)
    if (now < oldest + this.timing.maxWaitMs) return []
    const cut = this.cut(now)
    const out: string[] = []
    for (const [p, e] of this.pending) if (e.lastSeen < cut) out.push(p)
    for (const p of out) this.pending.delete(p)
    return out
  }

  private schedule(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
    if (this.closed || this.busy || this.pending.size === 0) return
    const now = this.clock.now()
    let oldest = Infinity
    for (const e of this.pending.values()) oldest = Math.min(oldest, e.firstSeen)
    const quiet = this.quietDue()
    let due = Math.min(quiet, oldest + this.timing.maxWaitMs)
    // Past the maximum wait with only held-back changes: wait until the oldest held deletion is released.
    if (due <= now && now < quiet) {
      const cut = this.cut(now)
      let takeable = false
      for (const e of this.pending.values()) if (e.lastSeen < cut) takeable = true
      if (!takeable) due = Math.min(quiet, cut + this.timing.renameGraceMs)
    }
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, due - now))
  }

  private fire(): void {
    this.timer = null
    if (this.closed || this.busy) return
    const batch = this.take(this.clock.now())
    if (batch.length > 0) this.run(batch)
    this.schedule()
  }

  private run(batch: string[]): void {
    this.busy = true
    this.running = this.running
      .then(() => this.handle(batch))
      .catch((e: unknown) => this.onError(e))
      .finally(() => {
        this.busy = false
        this.schedule()
      })
  }

  /** Resolves once every change noted so far has been handled (held-back ones included). */
  async idle(): Promise<void> {
    for (;;) {
      await this.running
      if (this.busy) continue
      if (this.pending.size === 0 || this.closed) return
      if (this.timer !== null) this.clock.clearTimeout(this.timer)
      this.timer = null
      const all = [...this.pending.keys()]
      this.pending.clear()
      this.run(all)
    }
  }

  /** Stops batching; waits for the batch that is running, drops what was not handled yet. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
    await this.running
  }
}
