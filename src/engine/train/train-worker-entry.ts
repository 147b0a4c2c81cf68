/**
 * The worker side of train-worker.ts: receives one training job, posts progress events, then the result
 * (its arrays transferred, not copied) or the error's name and plain message.
 */
import { parentPort } from 'node:worker_threads'
import { trainHead, type TrainingData, type TrainOptions } from './train-head.js'

export interface TrainJob {
  type: 'train'
  data: TrainingData
  options: Omit<TrainOptions, 'signal' | 'onProgress' | 'matmul'>
}

const port = parentPort
if (!port) throw new Error('train-worker-entry runs in a worker thread (see train-worker.ts).')

port.once('message', (job: TrainJob) => {
  trainHead(job.data, {
    ...job.options,
    onProgress: (event) => port.postMessage({ type: 'progress', event }),
  }).then(
    (result) =>
      port.postMessage({ type: 'done', result }, [
        result.weights.buffer as ArrayBuffer,
        result.bias.buffer as ArrayBuffer,
        result.classWeights.buffer as ArrayBuffer,
      ]),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error))
      port.postMessage({ type: 'error', name: e.name, message: e.message })
    },
  )
})
port.postMessage({ type: 'ready' })
