/**
 * How `train` events change what the Training view shows (pure: the store is passed in, so it is
 * testable without an engine). Returns what the caller should tell the user, if anything.
 */
import type { EngineEvent, TrainResult } from '../../../../shared/contract'

export type TrainPhase = 'idle' | 'starting' | 'running' | 'done' | 'failed' | 'cancelled'

export interface TrainingStore {
  phase: TrainPhase
  epoch: number
  epochs: number
  /** Loss per epoch, in order. */
  losses: number[]
  accuracy: number
  /** The result of the last run started by the user, until accepted or dismissed. */
  result: TrainResult | null
  error: string | null
  /** A better head continuous training found, waiting for the user. */
  proposal: TrainResult | null
  /** A head being switched to (re-embedding every photo). */
  applying: { version: string; photos: number } | null
}

export function emptyTraining(): TrainingStore {
  return {
    phase: 'idle',
    epoch: 0,
    epochs: 0,
    losses: [],
    accuracy: 0,
    result: null,
    error: null,
    proposal: null,
    applying: null,
  }
}

export type TrainEvent = Extract<EngineEvent, { type: 'train' }>

/** Applies one event; returns a message when continuous training switched heads by itself. */
export function applyTrainEvent(store: TrainingStore, event: TrainEvent): string | null {
  const s = event.state
  switch (s.phase) {
    case 'running':
      // A new run (or one started elsewhere): start the curve afresh.
      if ((store.phase !== 'running' && store.phase !== 'starting') || s.epoch < store.epoch)
        store.losses = []
      store.phase = 'running'
      store.epoch = s.epoch
      store.epochs = s.epochs
      store.accuracy = s.accuracy
      // One point per epoch: a repeated epoch replaces its value.
      if (s.epoch >= 1 && store.losses.length >= s.epoch) store.losses[s.epoch - 1] = s.loss
      else store.losses.push(s.loss)
      store.error = null
      return null
    case 'done':
      if (s.continuous) {
        if (s.accepted) {
          store.proposal = null
          return `Tessera switched to a better head (held-out mP@5 ${s.result.after.toFixed(3)}, was ${s.result.before.toFixed(3)}).`
        }
        store.proposal = s.result
        return null
      }
      store.phase = 'done'
      store.result = s.result
      store.error = null
      return null
    case 'failed':
      store.phase = 'failed'
      store.error = s.error
      return null
    case 'cancelled':
      store.phase = 'cancelled'
      return null
  }
}
