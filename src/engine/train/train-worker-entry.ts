/**
 * The worker side of train-worker.ts: receives one training job, posts progress events, then the result
 * (its arrays transferred, not copied) or the error's name and plain message.
 */
import { parentPort } from 'node:worker_threads'
import { trainHead, type TrainingData, type TrainOptions } from './train-head.js'

/** Stops the running job at its next mini-batch (it answers with an AbortError). */
export interface TrainCancel {
  type: 'cancel'
}

export interface TrainJob {
  type: 'train'
  data: TrainingData
  options: Omit<TrainOptions, 'signal' | 'onProgress' | 'matmul'>
}

const port = parentPort
if (!port) throw new Error('train-worker-entry runs in a worker thread (see train-worker.ts).')

// Cancellation is a message, not worker.terminate(): terminating a thread while onnxruntime runs in it
// aborts the whole process ("terminate called after throwing an instance of 'Napi::Error'"). trainHead
// checks the signal between mini-batches, and each mini-batch awaits onnxruntime, so the message is read
// in time; the worker then answers with the AbortError and is terminated while idle.
const controller = new AbortController()
port.on('message', (message: TrainJob | TrainCancel) => {
  if (message.type === 'cancel') {
    controller.abort(new DOMException('Training was cancelled.', 'AbortError'))
    return
  }
  trainHead(message.data, {
    ...message.options,
    signal: controller.signal,
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
