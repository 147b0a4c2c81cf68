import type { Engine, TrainReport } from '../engine.js'

export type ContinuousEvent =
  | { type: 'training'; albums: number }
  | { type: 'proposal'; report: TrainReport }
  | { type: 'accepted'; report: TrainReport }
  | { type: 'skipped'; reason: string }

export interface ContinuousOptions {
  /** Albums must have stopped changing for this long before a retrain starts. */
  quietMs?: number
  pollMs?: number
  /** Use a new head by itself when it beats the current one on the held-out photos by at least `minGain`. */
  autoAccept: boolean
  minGain?: number
  onEvent?: (event: ContinuousEvent) => void
}

/**
 * Continuous mode: when the albums change (photos added, new albums), retrain in the background once
 * they have been quiet for a while, and propose the new head with its before/after figures — or, when the
 * user chose so, switch to it if it is better. A failed or impossible retrain (say, a single album) is
 * reported and not retried until the albums change again.
 */
export class ContinuousTrainer {
  private timer: NodeJS.Timeout | null = null
  private seen: string | null = null
  private trainedFor: string | null = null
  private changedAt = 0
  private running: Promise<void> | null = null
  private stopped = false

  constructor(
    private readonly engine: Engine,
    private readonly options: ContinuousOptions,
  ) {}

  /** What the albums hold now: any add, remove, rename or new album changes it. */
  private async signature(): Promise<string> {
    const albums = await this.engine.albums()
    return JSON.stringify((await albums.list()).map((a) => [a.id, a.name, a.count, a.updatedAt]))
  }

  async start(): Promise<void> {
    // The albums as they are when continuous mode starts count as already handled.
    this.seen = this.trainedFor = await this.signature()
    this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => void this.tick(), this.options.pollMs ?? 2000)
  }

  private async tick(): Promise<void> {
    try {
      const now = await this.signature()
      if (now !== this.seen) {
        this.seen = now
        this.changedAt = Date.now()
      } else if (now !== this.trainedFor && Date.now() - this.changedAt >= (this.options.quietMs ?? 30_000)) {
        this.trainedFor = now
        this.running = this.retrain()
        await this.running
        this.running = null
      }
    } finally {
      this.schedule()
    }
  }

  private async retrain(): Promise<void> {
    const emit = this.options.onEvent ?? (() => {})
    try {
      emit({ type: 'training', albums: (await (await this.engine.albums()).list()).length })
      const report = await this.engine.train({ accept: false })
      const gain = report.after['mP@5'] - report.before['mP@5']
      if (this.options.autoAccept && gain >= (this.options.minGain ?? 0.005)) {
        await this.engine.useHead(report.headVersion)
        emit({ type: 'accepted', report: { ...report, accepted: true } })
      } else emit({ type: 'proposal', report })
    } catch (error) {
      emit({ type: 'skipped', reason: error instanceof Error ? error.message : String(error) })
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }
}
