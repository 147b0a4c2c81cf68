/**
 * Runs `trainHead` in a worker thread, so training never holds the event loop that indexing, search and the
 * UI's requests run on.
 *
 * How the worker loads TypeScript: the worker is started from a small inline JavaScript bootstrap (like
 * worker-session.ts), which imports the entry module, train-worker-entry, that sits beside this file:
 * - from source (`node --import tsx`, tsx's `register()` as bin/tessera.js does it, vitest), this file's URL
 *   ends in `.ts`, so the entry is `train-worker-entry.ts`, and the bootstrap first registers tsx's loader in
 *   the worker: loaders registered with `register()` in the main thread do not reach worker threads on Node 20.
 * - bundled, this file is part of a `.js` bundle and the entry is `train-worker-entry.js` beside that bundle:
 *   the bundler must emit src/engine/train/train-worker-entry.ts as an entry of that name (one line of the
 *   electron-vite config), or the caller passes `entry` explicitly. tsx is not needed there.
 * A child process would work too, but costs a second Node and copies of the features through a pipe; a
 * worker gets them by structured clone (or moves them, `transfer: true`).
 *
 * Cancellation rejects at once with the signal's reason and nothing partial is returned; the worker is told to
 * stop (it does so at its next mini-batch) and is terminated only once it has answered. Terminating it while
 * onnxruntime runs in it would abort the whole process (a Napi::Error thrown during the thread's teardown).
 */
import { Worker } from 'node:worker_threads'
import { tsxLoader } from '../worker-module.js'
import {
  TrainingDataError,
  type TrainingData,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
} from './train-head.js'

const BOOTSTRAP = `
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
;(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register()
  await import(workerData.entry)
})().catch((error) => {
  parentPort.postMessage({
    type: 'error',
    name: 'Error',
    message: 'The training worker could not start: ' + ((error && error.message) || String(error)),
  })
})
`

export interface WorkerTrainOptions extends Omit<TrainOptions, 'matmul'> {
  /** The worker's entry module; default: train-worker-entry beside this module (see the file comment). */
  entry?: URL
  /**
   * Move the features (and validation features) to the worker instead of copying them: saves their size in
   * memory and the copy, but leaves the caller's arrays empty (detached).
   */
  transfer?: boolean
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; event: TrainProgress }
  | { type: 'done'; result: TrainResult }
  | { type: 'error'; name: string; message: string }

/** The entry module for this module's own location (source or bundle). */
export function defaultEntry(from: string = import.meta.url): { entry: URL; typescript: boolean } {
  const typescript = /\.[mc]?ts$/.test(new URL(from).pathname)
  return {
    entry: new URL(typescript ? './train-worker-entry.ts' : './train-worker-entry.js', from),
    typescript,
  }
}

function rebuildError(name: string, message: string): Error {
  if (name === 'TrainingDataError') return new TrainingDataError(message)
  if (name === 'RangeError') return new RangeError(message)
  const error = new Error(message)
  if (name !== 'Error') error.name = name
  return error
}

/** `trainHead` in a worker thread: same data, options and result; progress events arrive here. */
export function trainHeadInWorker(
  data: TrainingData,
  options: WorkerTrainOptions = {},
): Promise<TrainResult> {
  const { signal, onProgress, entry, transfer, ...rest } = options
  if (signal?.aborted) return Promise.reject(signal.reason)
  const located = entry ? { entry, typescript: /\.[mc]?ts$/.test(entry.pathname) } : defaultEntry()
  let worker: Worker
  try {
    worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry: located.entry.href, tsx: located.typescript ? tsxLoader() : null },
    })
  } catch (error) {
    return Promise.reject(error)
  }
  return new Promise<TrainResult>((resolve, reject) => {
    let settled = false
    /** The worker has loaded its modules (before, it may be loading onnxruntime: not a moment to stop it). */
    let ready = false
    /** The job was sent and the worker has not answered it yet: it must be asked to stop, not terminated. */
    let running = false
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      if (running) worker.postMessage({ type: 'cancel' })
      else if (ready) void worker.terminate()
      // else: terminated once it says it is ready (idle, below)
      outcome()
    }
    /** The worker is idle (it answered, or never got the job): terminating it now is safe. */
    const idle = () => {
      running = false
      if (settled) void worker.terminate()
    }
    const onAbort = () => finish(() => reject(signal!.reason))
    signal?.addEventListener('abort', onAbort, { once: true })

    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready': {
          ready = true
          if (settled) {
            idle() // cancelled while the worker was starting: the job is never sent
            break
          }
          const list: ArrayBuffer[] = []
          if (transfer) {
            list.push(data.features.buffer as ArrayBuffer)
            if (rest.validation && rest.validation.features.buffer !== data.features.buffer)
              list.push(rest.validation.features.buffer as ArrayBuffer)
          }
          worker.postMessage({ type: 'train', data, options: rest }, list)
          running = true
          break
        }
        case 'progress':
          if (settled) break
          try {
            onProgress?.(message.event)
          } catch (error) {
            finish(() => reject(error)) // a failing listener stops the training rather than crashing here
          }
          break
        // The worker is idle once it answers: terminated here when it was cancelled before, or by finish().
        case 'done':
          idle()
          finish(() => resolve(message.result))
          break
        case 'error':
          idle()
          finish(() => reject(rebuildError(message.name, message.message)))
          break
      }
    })
    worker.on('error', (error) => finish(() => reject(error)))
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`The training worker stopped before finishing (exit code ${code}).`))),
    )
  })
}
