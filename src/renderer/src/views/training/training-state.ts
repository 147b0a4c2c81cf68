/**
 * Training as the interface follows it: one module-level store fed by the engine's `train` events, so
 * leaving the Training view and coming back keeps the progress, the loss curve and the result. It
 * subscribes once, when the app loads, so a proposal from continuous training is kept even if it
 * arrives while another view is open.
 */
import { reactive } from 'vue'
import { client, notify, reportError, state } from '../../state/app-state'
import { applyTrainEvent, emptyTraining, type TrainingStore } from './train-events'

export type { TrainPhase } from './train-events'

export const training: TrainingStore = reactive(emptyTraining())

let subscribed = false

/** Follows the engine's `train` events (once per page, however often it is called). */
export function followTraining(): void {
  if (subscribed) return
  subscribed = true
  client.on((event) => {
    if (event.type !== 'train') return
    const message = applyTrainEvent(training, event)
    if (message) notify(message)
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
