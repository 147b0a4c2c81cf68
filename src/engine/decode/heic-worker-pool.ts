/**
 * Decodes HEIC/HEIF with heic-decode (libheif + libde265 compiled to WebAssembly) in worker threads.
 *
 * Why workers: the WebAssembly decode is synchronous and takes hundreds of milliseconds for a phone photo,
 * which would stall every other decode on the main thread; and libheif-js finishes a decode inside a timer
 * callback, so a WebAssembly trap there would surface as an unhandled rejection that could take the whole
 * process down. In a worker it only ends that worker. The worker also swallows libheif's console chatter
 * and returns it with the error, where it helps tell a truncated file from a damaged one.
 *
 * The worker is heic-worker-entry.ts beside this file, started by worker-module.ts (from sources or from a
 * bundle that emits `heic-worker-entry.js` beside this code).
 */
import type { Worker } from 'node:worker_threads'
import os from 'node:os'
import type { HeicReply, HeicRequest } from './heic-worker-entry.js'
import { startModuleWorker } from '../worker-module.js'

export type HeicResult =
  | { ok: true; width: number; height: number; rgba: Uint8Array }
  /** Header read, pixels not decoded: the picture is bigger than the caller allows. */
  | { ok: false; tooLarge: { width: number; height: number } }
  /** heic-decode failed; `message` is its error plus whatever libheif printed. */
  | { ok: false; message: string }

/** A decode that runs longer than this is assumed stuck: its worker is ended and the file reported damaged. */
const JOB_TIMEOUT_MS = 120_000
/** Idle workers are ended after this long, which gives their WebAssembly memory back. */
const IDLE_MS = 30_000

interface Job {
  id: number
  buffer: Uint8Array
  maxPixels: number
  resolve: (result: HeicResult) => void
  reject: (error: Error) => void
}

interface Slot {
  worker: Worker
  job: Job | null
  timer: NodeJS.Timeout | null
}

const slots = new Set<Slot>()
const queue: Job[] = []
let nextId = 1

function poolSize(): number {
  // Leave a core for sharp and the rest of the app; a few workers are plenty for the indexer's concurrency.
  return Math.max(1, Math.min(3, os.availableParallelism() - 1))
}

function spawn(): Slot {
  const worker = startModuleWorker('heic-worker-entry', import.meta.url)
  const slot: Slot = { worker, job: null, timer: null }
  worker.on('message', (msg: HeicReply) => {
    const job = slot.job
    if (!job || job.id !== msg.id) return
    finish(slot)
    const { id: _id, ...result } = msg
    job.resolve(result)
  })
  const fail = (error: Error): void => {
    const job = slot.job
    slot.job = null
    slots.delete(slot)
    if (slot.timer) clearTimeout(slot.timer)
    if (job) job.reject(error)
    pump()
  }
  worker.on('error', (error) => fail(error))
  worker.on('exit', (code) => fail(new Error(`HEIC decoder worker exited (code ${code})`)))
  slots.add(slot)
  return slot
}

function finish(slot: Slot): void {
  if (slot.timer) clearTimeout(slot.timer)
  slot.job = null
  slot.worker.unref() // an idle worker must not keep the app alive
  slot.timer = setTimeout(() => {
    slots.delete(slot)
    void slot.worker.terminate()
  }, IDLE_MS)
  slot.timer.unref()
  pump()
}

function pump(): void {
  while (queue.length > 0) {
    let slot = [...slots].find((s) => s.job === null)
    if (!slot && slots.size < poolSize()) slot = spawn()
    if (!slot) return
    const job = queue.shift()!
    if (slot.timer) clearTimeout(slot.timer)
    slot.job = job
    slot.worker.ref()
    slot.timer = setTimeout(() => {
      slots.delete(slot)
      slot.job = null
      void slot.worker.terminate()
      job.reject(new Error(`HEIC decode took longer than ${JOB_TIMEOUT_MS / 1000} s`))
    }, JOB_TIMEOUT_MS)
    // A private copy, moved (not cloned again) to the worker: the caller keeps its buffer untouched.
    const copy = new Uint8Array(job.buffer)
    const request: HeicRequest = { id: job.id, buffer: copy, maxPixels: job.maxPixels }
    slot.worker.postMessage(request, [copy.buffer])
  }
}

/**
 * Decodes the first image of a HEIF file to RGBA, refusing (before decoding) one above `maxPixels`.
 * Rejects only when the worker itself died or hung; decoder errors come back as `{ ok: false, message }`.
 */
export function decodeHeicInWorker(buffer: Uint8Array, maxPixels: number): Promise<HeicResult> {
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, buffer, maxPixels, resolve, reject })
    pump()
  })
}

/** Ends all HEIC workers now (tests, app shutdown). Later decodes start new ones. */
export async function closeHeicWorkers(): Promise<void> {
  const all = [...slots]
  slots.clear()
  for (const slot of all) if (slot.timer) clearTimeout(slot.timer)
  await Promise.all(all.map((s) => s.worker.terminate()))
}
