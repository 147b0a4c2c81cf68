/**
 * Training as the interface follows it: one module-level store fed by the engine's `train` events, so
 * leaving the Training view and coming back keeps the progress, the loss curve and the result. It
 * subscribes once, when the app loads, so a proposal from continuous training is kept even if it
 * arrives while another view is open.
 */
import { reactive } from 'vue'
import type { EngineEvent, TrainResult } from '../../../../shared/contract'
import { client, notify, reportError, state } from '../../state/app-state'

export type TrainPhase = 'idle' | 'starting' | 'running' | 'done' | 'failed' | 'cancelled'

export const training = reactive({
  phase: 'idle' as TrainPhase,
  epoch: 0,
  epochs: 0,
  /** Loss per epoch, in order. */
  losses: [] as number[],
  accuracy: 0,
  /** The result of the last run started here, until accepted or dismissed. */
  result: null as TrainResult | null,
  error: null as string | null,
  /** A better head continuous training found, waiting for the user. */
  proposal: null as TrainResult | null,
  /** A head being switched to (re-embedding every photo). */
  applying: null as { version: string; photos: number } | null,
})

/** Applies one `train` event to the store (exported for the view's tests and for replay). */
export function applyTrainEvent(event: Extract<EngineEvent, { type: 'train' }>): void {
  const s = event.state
  switch (s.phase) {
    case 'running':
      if (training.phase !== 'running' || s.epoch < training.epoch) training.losses = []
      training.phase = 'running'
      training.epoch = s.epoch
      training.epochs = s.epochs
      training.accuracy = s.accuracy
      // One point per epoch: a repeated epoch (several reports per epoch) replaces the last value.
      if (training.losses.length >= s.epoch && s.epoch > 0) training.losses[s.epoch - 1] = s.loss
      else training.losses.push(s.loss)
      training.error = null
      break
    case 'done':
      if (s.continuous) {
        if (s.accepted) {
          training.proposal = null
          notify(`Tessera switched to a better head (held-out mP@5 ${s.result.after.toFixed(3)}).`)
        } else {
          training.proposal = s.result
        }
        break
      }
      training.phase = 'done'
      training.result = s.result
      training.error = null
      break
    case 'failed':
      training.phase = 'failed'
      training.error = s.error
      break
    case 'cancelled':
      training.phase = 'cancelled'
      break
  }
}

let subscribed = false

/** Follows the engine's `train` events (once per page, however often it is called). */
export function followTraining(): void {
  if (subscribed) return
  subscribed = true
  client.on((event) => {
    if (event.type === 'train') applyTrainEvent(event)
  })
}

followTraining()

export async function startTraining(): Promise<void> {
  training.phase = 'starting'
  training.losses = []
  training.epoch = 0
  training.epochs = 0
  training.result = null
  training.error = null
  try {
    const { started } = await client.call('train.start', {})
    if (!started && training.phase === 'starting') {
      // Another run is under way (started elsewhere): its events will arrive here too.
      training.phase = 'running'
    }
  } catch (error) {
    training.phase = 'failed'
    training.error = error instanceof Error ? error.message : String(error)
  }
}

export async function cancelTraining(): Promise<void> {
  try {
    await client.call('train.cancel')
  } catch (error) {
    reportError(error)
  }
}

/** Switches the library to a head and re-embeds every photo with it. */
export async function useHead(version: string, label = 'the new head'): Promise<boolean> {
  training.applying = { version, photos: state.status?.embedded ?? state.status?.photos ?? 0 }
  try {
    const { reprojected } = await client.call('heads.use', version)
    notify(`Now using ${label}: re-embedded ${reprojected.toLocaleString()} photos.`)
    return true
  } catch (error) {
    reportError(error)
    return false
  } finally {
    training.applying = null
  }
}

export async function acceptResult(): Promise<void> {
  const result = training.result
  if (!result) return
  if (await useHead(result.headVersion)) dismissResult()
}

/** Dismisses the result; the head stays in the history (it can be restored later). */
export function dismissResult(): void {
  training.result = null
  training.phase = 'idle'
  training.losses = []
}

export async function acceptProposal(): Promise<void> {
  const proposal = training.proposal
  if (!proposal) return
  if (await useHead(proposal.headVersion, 'the proposed head')) training.proposal = null
}

export function dismissProposal(): void {
  training.proposal = null
}
