/** Training a head on the albums (a `train` job), and the heads: listing them, switching to one. */
import type { TrainResult } from '../../shared/contract.js'
import type { TrainProgress, TrainReport } from '../engine-types.js'
import type { JobEvent } from '../jobs/job-runner.js'
import type { DomainHandlers, HostContext } from './context.js'

export const TRAIN_JOB = 'train'

export function trainingHandlers({ engine, events, jobs }: HostContext): DomainHandlers<'train' | 'heads'> {
  /** A training job's changes as the interface's `train` events. */
  const report = ({ type, job }: JobEvent<TrainReport, TrainProgress>): void => {
    if (type === 'progress' && job.progress) {
      const { epoch, epochs, loss, accuracy } = job.progress
      events.emit({ type: 'train', state: { phase: 'running', epoch, epochs, loss, accuracy } })
    } else if (job.status === 'done' && job.result) {
      events.emit({
        type: 'train',
        state: { phase: 'done', result: trainResult(job.result), accepted: false, continuous: false },
      })
    } else if (job.status === 'failed') {
      events.emit({ type: 'train', state: { phase: 'failed', error: job.reason ?? 'Training failed.' } })
    } else if (job.status === 'cancelled') {
      events.emit({ type: 'train', state: { phase: 'cancelled' } })
    }
  }

  return {
    'train.start': async (options) => {
      const { started } = jobs.start<TrainReport, TrainProgress>(
        TRAIN_JOB,
        ({ signal, progress }) => engine.train({ ...options, signal, onProgress: progress }),
        { onEvent: report },
      )
      return { started }
    },
    'train.cancel': async () => {
      const job = jobs.active(TRAIN_JOB)
      job?.cancel()
      return { cancelled: job !== undefined }
    },
    'heads.use': async (version) => {
      const result = await engine.useHead(version)
      events.emit({ type: 'heads', active: engine.settings.activeHead })
      await events.libraryChanged()
      return result
    },
    'heads.list': async () =>
      (await engine.listHeads()).map((h) => ({
        version: h.version,
        kind: h.kind,
        model: h.model,
        createdAt: h.createdAt,
        fittedOn: h.fittedOn,
        metrics: h.metrics,
        active: h.active,
      })),
  }
}

export function trainResult(report: TrainReport): TrainResult {
  return {
    before: report.before['mP@5'],
    after: report.after['mP@5'],
    epochs: report.epochs,
    seconds: report.seconds,
    headVersion: report.headVersion,
    albums: report.albums,
    trainPhotos: report.trainPhotos,
    heldOutPhotos: report.heldOutPhotos,
  }
}
