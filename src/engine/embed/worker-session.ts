/**
 * An onnxruntime session that lives in a worker thread.
 *
 * Why: onnxruntime-node runs inference synchronously on the calling thread (its async `run` only defers
 * to setImmediate), so in the main thread every batch would freeze the event loop: decodes could not be
 * dispatched, search queries and the UI's requests would wait. In a worker, inference overlaps decoding.
 *
 * The worker is embed-worker-entry.ts beside this file, started by worker-module.ts (from sources or from a
 * bundle that emits `embed-worker-entry.js` beside this code).
 */
import type { Worker } from 'node:worker_threads'
import type { InferenceSession } from 'onnxruntime-node'
import type { EmbedReply, EmbedRequest, EmbedResults } from './embed-worker-entry.js'
import { startModuleWorker } from '../worker-module.js'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export interface RunOutput {
  type: string
  dims: readonly number[]
  data: Uint8Array | Float32Array
}

export class WorkerSession {
  private nextId = 1
  private readonly waiting = new Map<
    number,
    { resolve: (r: EmbedReply) => void; reject: (e: Error) => void }
  >()
  readonly inputNames: readonly string[] = []
  readonly outputNames: readonly string[] = []

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: EmbedReply) => {
      const w = this.waiting.get(reply.id)
      this.waiting.delete(reply.id)
      w?.resolve(reply)
    })
    const failAll = (error: Error) => {
      for (const w of this.waiting.values()) w.reject(error)
      this.waiting.clear()
    }
    worker.on('error', failAll)
    worker.on('exit', (code) => failAll(new Error(`The inference worker stopped (exit code ${code}).`)))
  }

  static async open(model: string, options: InferenceSession.SessionOptions): Promise<WorkerSession> {
    const worker = startModuleWorker('embed-worker-entry', import.meta.url)
    const session = new WorkerSession(worker)
    try {
      const reply = await session.call({ type: 'open', model, options })
      Object.assign(session, { inputNames: reply.inputNames, outputNames: reply.outputNames })
      return session
    } catch (error) {
      await worker.terminate()
      throw error
    }
  }

  private call<M extends DistributiveOmit<EmbedRequest, 'id'>>(
    message: M,
    transfer: ArrayBuffer[] = [],
  ): Promise<EmbedResults[M['type']]> {
    const id = this.nextId++
    return new Promise<EmbedReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.worker.postMessage({ ...message, id }, transfer)
    }).then((reply) => {
      if (!reply.ok) throw new Error(reply.message)
      return reply as unknown as EmbedResults[M['type']] // what the worker answers to that type
    })
  }

  /**
   * Runs one batch; `data` is transferred to the worker (it is unusable here afterwards). The input tensor
   * is float32, or int64 / int32 when `data` is a BigInt64Array / Int32Array (token ids).
   */
  async run(
    input: string,
    data: Float32Array | BigInt64Array | Int32Array,
    dims: number[],
    output: string,
  ): Promise<RunOutput> {
    const dtype = data instanceof BigInt64Array ? 'int64' : data instanceof Int32Array ? 'int32' : 'float32'
    const reply = await this.call({ type: 'run', input, data, dtype, dims, output }, [
      data.buffer as ArrayBuffer,
    ])
    return { type: reply.type, dims: reply.dims, data: reply.data }
  }

  async release(): Promise<void> {
    await this.call({ type: 'close' }).catch(() => undefined)
    await this.worker.terminate()
  }
}
