/**
 * The worker side of verify-pool.ts: prepares pictures (decode, keypoints) and judges pairs of them with
 * verify-pair.ts, one message at a time, in the order sent.
 *
 * Each worker keeps the last `capacity` prepared pictures. The pool keeps the same list of keys, updated in
 * the same order (a picture's bytes are sent only when the worker has not kept it), so both sides always
 * agree on what the worker holds: that is why messages are handled strictly one after another here.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { prepareImage, verifyPrepared, type EditVerdict, type PreparedImage } from './verify-pair.js'

/** One picture of a pair: its key, and its bytes when the worker does not hold it (or why they are missing). */
export interface VerifySide {
  key: string
  bytes?: Uint8Array
  error?: string
}

export interface VerifyRequest {
  id: number
  a: VerifySide
  b: VerifySide
  mirror: boolean
}

export type VerifyReply = { id: number; verdict: EditVerdict } | { id: number; error: string }

export interface VerifyWorkerData {
  capacity: number
}

const port = parentPort
if (!port) throw new Error('verify-worker-entry runs in a worker thread (see verify-pool.ts).')
const { capacity } = workerData as VerifyWorkerData

/** Prepared pictures (or why one could not be), least recently used first. */
const held = new Map<string, PreparedImage | Error>()

async function side(s: VerifySide): Promise<PreparedImage | Error> {
  let entry = held.get(s.key)
  if (entry !== undefined) held.delete(s.key)
  else if (s.bytes) entry = await prepareImage(Buffer.from(s.bytes)).catch((e: unknown) => toError(e))
  else entry = new Error(s.error ?? `the picture ${s.key} was not sent`)
  held.set(s.key, entry)
  while (held.size > capacity) held.delete(held.keys().next().value!)
  return entry
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}

async function handle(req: VerifyRequest): Promise<VerifyReply> {
  // Both sides are taken in order (a, then b) whatever happens, as the pool's copy of the list assumes.
  const a = await side(req.a)
  const b = await side(req.b)
  if (a instanceof Error) return { id: req.id, error: a.message }
  if (b instanceof Error) return { id: req.id, error: b.message }
  try {
    return { id: req.id, verdict: await verifyPrepared(a, b, { mirror: req.mirror }) }
  } catch (e) {
    return { id: req.id, error: toError(e).message }
  }
}

let queue: Promise<void> = Promise.resolve()
port.on('message', (msg: VerifyRequest | { forget: true }) => {
  queue = queue.then(async () => {
    if ('forget' in msg) held.clear()
    else port.postMessage(await handle(msg))
  })
})
