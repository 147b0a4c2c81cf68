import { describe, expect, it } from 'vitest'
import type { TrainResult } from '../../../src/shared/contract'
import {
  applyTrainEvent,
  emptyTraining,
  type TrainEvent,
} from '../../../src/renderer/src/views/training/train-events'

const running = (epoch: number, loss: number): TrainEvent => ({
  type: 'train',
  state: { phase: 'running', epoch, epochs: 10, loss, accuracy: 0.5 },
})

const result: TrainResult = {
  before: 0.6,
  after: 0.75,
  epochs: 10,
  seconds: 2,
  headVersion: 'arcface-1',
  albums: 3,
  trainPhotos: 40,
  heldOutPhotos: 30,
}

describe('training events', () => {
  it('collects one loss per epoch while running', () => {
    const s = emptyTraining()
    s.phase = 'starting'
    for (const [e, l] of [
      [1, 2],
      [2, 1.5],
      [2, 1.4],
      [3, 1],
    ] as const)
      applyTrainEvent(s, running(e, l))
    expect(s).toMatchObject({ phase: 'running', epoch: 3, epochs: 10 })
    expect(s.losses).toEqual([2, 1.4, 1])
  })

  it('starts a fresh curve for a new run', () => {
    const s = emptyTraining()
    applyTrainEvent(s, running(1, 2))
    applyTrainEvent(s, running(2, 1))
    applyTrainEvent(s, {
      type: 'train',
      state: { phase: 'done', result, accepted: false, continuous: false },
    })
    applyTrainEvent(s, running(1, 3))
    expect(s.losses).toEqual([3])
  })

  it('keeps the result of a run the user started', () => {
    const s = emptyTraining()
    applyTrainEvent(s, {
      type: 'train',
      state: { phase: 'done', result, accepted: false, continuous: false },
    })
    expect(s.phase).toBe('done')
    expect(s.result).toEqual(result)
  })

  it('turns a continuous result into a proposal, or a notice when it was used already', () => {
    const s = emptyTraining()
    expect(
      applyTrainEvent(s, {
        type: 'train',
        state: { phase: 'done', result, accepted: false, continuous: true },
      }),
    ).toBeNull()
    expect(s.proposal).toEqual(result)
    expect(s.phase).toBe('idle')
    const message = applyTrainEvent(s, {
      type: 'train',
      state: { phase: 'done', result, accepted: true, continuous: true },
    })
    expect(message).toContain('0.750')
    expect(s.proposal).toBeNull()
  })

  it('records failures and cancellations', () => {
    const s = emptyTraining()
    applyTrainEvent(s, { type: 'train', state: { phase: 'failed', error: 'needs 2 albums' } })
    expect(s).toMatchObject({ phase: 'failed', error: 'needs 2 albums' })
    applyTrainEvent(s, { type: 'train', state: { phase: 'cancelled' } })
    expect(s.phase).toBe('cancelled')
  })
})
