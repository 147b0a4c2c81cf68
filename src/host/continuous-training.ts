/**
 * Continuous training as the host runs it: a ContinuousTrainer while the setting is on, its proposals and
 * accepted heads reported as `train` and `heads` events.
 */
import type { Engine } from '../engine/engine.js'
import { ContinuousTrainer } from '../engine/personalize/continuous-trainer.js'
import type { HostEvents } from './host-events.js'
import { trainResult } from './handlers/training.js'

export class ContinuousTraining {
  private trainer: ContinuousTrainer | null = null

  constructor(
    private readonly engine: Engine,
    private readonly events: HostEvents,
  ) {}

  /** Stops the trainer, then starts a new one with the current settings if continuous training is on. */
  async restart(): Promise<void> {
    await this.stop()
    if (!this.engine.settings.continuousTraining) return
    const trainer = new ContinuousTrainer(this.engine, {
      autoAccept: this.engine.settings.autoAcceptImprovements,
      onEvent: (event) => {
        if (event.type !== 'proposal' && event.type !== 'accepted') return
        const accepted = event.type === 'accepted'
        this.events.emit({
          type: 'train',
          state: { phase: 'done', result: trainResult(event.report), accepted, continuous: true },
        })
        if (accepted) {
          this.events.emit({ type: 'heads', active: this.engine.settings.activeHead })
          this.events.libraryChanged().catch(() => undefined)
        }
      },
    })
    this.trainer = trainer
    await trainer.start()
  }

  async stop(): Promise<void> {
    const trainer = this.trainer
    this.trainer = null
    await trainer?.stop()
  }
}
