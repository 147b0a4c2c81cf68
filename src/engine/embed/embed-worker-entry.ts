/**
 * The worker side of worker-session.ts: one onnxruntime session per worker, driven by messages. Replies
 * carry the request's id; output data is copied out of onnxruntime's memory so it can be transferred.
 */
import { parentPort } from 'node:worker_threads'
import * as ort from 'onnxruntime-node'

export type EmbedRequest =
  | { id: number; type: 'open'; model: string; options: ort.InferenceSession.SessionOptions }
  | {
      id: number
      type: 'run'
      input: string
      data: Float32Array | BigInt64Array | Int32Array
      dtype: 'float32' | 'int64' | 'int32'
      dims: number[]
      output: string
    }
  | { id: number; type: 'close' }

/** What each request type answers when it succeeds. */
export interface EmbedResults {
  open: { inputNames: readonly string[]; outputNames: readonly string[] }
  run: { type: string; dims: readonly number[]; data: Uint8Array | Float32Array }
  close: object
}

export type EmbedReply =
  ({ id: number; ok: true } & EmbedResults[keyof EmbedResults]) | { id: number; ok: false; message: string }

const port = parentPort
if (!port) throw new Error('embed-worker-entry runs in a worker thread (see worker-session.ts).')

ort.env.logLevel = 'fatal'
let session: ort.InferenceSession | null = null

async function handle(msg: EmbedRequest): Promise<void> {
  const reply = (r: EmbedReply, transfer: ArrayBuffer[] = []) => port!.postMessage(r, transfer)
  try {
    if (msg.type === 'open') {
      session = await ort.InferenceSession.create(msg.model, msg.options)
      reply({ id: msg.id, ok: true, inputNames: session.inputNames, outputNames: session.outputNames })
    } else if (msg.type === 'run') {
      if (!session) throw new Error('The inference session is not open.')
      const out = await session.run({ [msg.input]: new ort.Tensor(msg.dtype, msg.data, msg.dims) }, [
        msg.output,
      ])
      const t = out[msg.output]!
      const data = (t.data as Uint8Array | Float32Array).slice() // own the memory, so it can be transferred
      reply({ id: msg.id, ok: true, type: t.type, dims: t.dims, data }, [data.buffer as ArrayBuffer])
    } else {
      if (session) await session.release()
      session = null
      reply({ id: msg.id, ok: true })
    }
  } catch (error) {
    reply({ id: msg.id, ok: false, message: error instanceof Error ? error.message : String(error) })
  }
}

port.on('message', (msg: EmbedRequest) => void handle(msg))
