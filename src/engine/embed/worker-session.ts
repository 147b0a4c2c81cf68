/**
 * An onnxruntime session that lives in a worker thread.
 *
 * Why: onnxruntime-node runs inference synchronously on the calling thread (its async `run` only defers
 * to setImmediate), so in the main thread every batch would freeze the event loop: decodes could not be
 * dispatched, search queries and the UI's requests would wait. In a worker, inference overlaps decoding.
 *
 * The worker source is inline JavaScript that loads onnxruntime-node from the path resolved here, so it
 * works the same under tsx, a bundle, or the packaged app.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { InferenceSession } from 'onnxruntime-node'

const WORKER_SOURCE = `
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const ort = require(workerData.ortPath)
ort.env.logLevel = 'fatal'
let session = null
parentPort.on('message', async (msg) => {
  try {
    if (msg.type === 'open') {
      session = await ort.InferenceSession.create(msg.model, msg.options)
      parentPort.postMessage({ id: msg.id, ok: true, inputNames: session.inputNames, outputNames: session.outputNames })
    } else if (msg.type === 'run') {
      const out = await session.run({ [msg.input]: new ort.Tensor(msg.dtype || 'float32', msg.data, msg.dims) }, [msg.output])
      const t = out[msg.output]
      const data = t.data.slice() // own the memory, so it can be transferred
      parentPort.postMessage({ id: msg.id, ok: true, type: t.type, dims: t.dims, data }, [data.buffer])
    } else if (msg.type === 'close') {
      if (session) await session.release()
      session = null
      parentPort.postMessage({ id: msg.id, ok: true })
    }
  } catch (error) {
    parentPort.postMessage({ id: msg.id, ok: false, message: (error && error.message) || String(error) })
  }
})
`

export interface RunOutput {
  type: string
  dims: readonly number[]
  data: Uint8Array | Float32Array
}

type Reply = { id: number; ok: true; [key: string]: unknown } | { id: number; ok: false; message: string }

export class WorkerSession {
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>()
  readonly inputNames: readonly string[] = []
  readonly outputNames: readonly string[] = []

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
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
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node')
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } })
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

  private call(
    message: Record<string, unknown>,
    transfer: ArrayBuffer[] = [],
  ): Promise<Reply & { ok: true }> {
    const id = this.nextId++
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.worker.postMessage({ ...message, id }, transfer)
    }).then((reply) => {
      if (!reply.ok) throw new Error(reply.message)
      return reply
    })
  }

  /**
   * Runs one batch; `data` is transferred to the worker (it is unusable here afterwards). The input tensor
   * is float32, or int64 when `data` is a BigInt64Array (token ids).
   */
  async run(
    input: string,
    data: Float32Array | BigInt64Array,
    dims: number[],
    output: string,
  ): Promise<RunOutput> {
    const dtype = data instanceof BigInt64Array ? 'int64' : 'float32'
    const reply = await this.call({ type: 'run', input, data, dtype, dims, output }, [
      data.buffer as ArrayBuffer,
    ])
    return {
      type: reply.type as string,
      dims: reply.dims as number[],
      data: reply.data as Uint8Array | Float32Array,
    }
  }

  async release(): Promise<void> {
    await this.call({ type: 'close' }).catch(() => undefined)
    await this.worker.terminate()
  }
}
