/**
 * Pair verification on worker threads: the decode, the keypoints and the pixel comparison of verify-pair.ts
 * are plain CPU work (WebAssembly and JavaScript), so a run with thousands of proposed pairs spreads them
 * over the cores instead of one.
 *
 * Each worker keeps the pictures it prepared last (verify-worker-entry.ts). The pool keeps a copy of each
 * worker's list and sends a picture's bytes only when that worker does not hold it; a pair goes to a worker
 * that already holds one of its pictures (the pairs of one group of copies mostly land on one worker, so
 * each picture is prepared about once), unless that worker is well behind the others.
 *
 * The worker is verify-worker-entry.ts beside this file, started by worker-module.ts (from sources or from a
 * bundle that emits `verify-worker-entry.js` beside this code).
 */
import type { Worker } from 'node:worker_threads'
import type { EditVerdict } from './verify-pair.js'
import type { VerifyReply, VerifyRequest, VerifySide, VerifyWorkerData } from './verify-worker-entry.js'
import { startModuleWorker } from '../worker-module.js'

/** A picture to verify: its key (content hash or id) and how to read its bytes when a worker needs them. */
export interface PoolPicture {
  key: string
  read: () => Promise<Buffer>
}

export interface VerifyPoolOptions {
  workers: number
  /** Prepared pictures each worker keeps. */
  capacity: number
  mirror: boolean
}

/** A worker is passed over for the pair's own worker once it has this many more pairs waiting. */
const BALANCE_SLACK = 4

interface Slot {
  worker: Worker
  /** Keys the worker holds, least recently used first (a copy of its own list). */
  keys: Map<string, true>
  /** Sends happen one after another, in the order the keys list was updated. */
  tail: Promise<void>
  waiting: number
  pending: Map<number, { resolve: (v: EditVerdict) => void; reject: (e: Error) => void }>
}

export class VerifyPool {
  private readonly slots: Slot[]
  private nextId = 1
  private closed = false

  constructor(private readonly opts: VerifyPoolOptions) {
    const workerData: VerifyWorkerData = { capacity: opts.capacity }
    this.slots = Array.from({ length: Math.max(1, opts.workers) }, () => {
      const slot: Slot = {
        worker: startModuleWorker('verify-worker-entry', import.meta.url, { workerData }),
        keys: new Map(),
        tail: Promise.resolve(),
        waiting: 0,
        pending: new Map(),
      }
      slot.worker.on('message', (reply: VerifyReply) => {
        const job = slot.pending.get(reply.id)
        if (!job) return
        slot.pending.delete(reply.id)
        slot.waiting--
        if ('verdict' in reply) job.resolve(reply.verdict)
        else job.reject(new Error(reply.error))
      })
      const fail = (error: Error) => {
        for (const job of slot.pending.values()) job.reject(error)
        slot.pending.clear()
      }
      slot.worker.on('error', fail)
      slot.worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`pair verification worker exited (code ${code})`))
      })
      return slot
    })
  }

  get workers(): number {
    return this.slots.length
  }

  /** The verdict on a pair; rejects when a picture cannot be read or decoded. */
  verify(a: PoolPicture, b: PoolPicture): Promise<EditVerdict> {
    if (this.closed) return Promise.reject(new Error('the verification pool is closed'))
    const slot = this.choose(a.key, b.key)
    slot.waiting++
    const id = this.nextId++
    const result = new Promise<EditVerdict>((resolve, reject) => slot.pending.set(id, { resolve, reject }))
    slot.tail = slot.tail.then(async () => {
      // The keys list is updated here, in send order, exactly as the worker will update its own.
      const sideA = await this.side(slot, a)
      const sideB = await this.side(slot, b)
      const request: VerifyRequest = { id, a: sideA, b: sideB, mirror: this.opts.mirror }
      const transfer = [sideA.bytes, sideB.bytes].flatMap((x) => (x ? [x.buffer as ArrayBuffer] : []))
      try {
        slot.worker.postMessage(request, transfer)
      } catch (e) {
        // Not sent: the worker never saw these keys, so this copy of its list is no longer exact.
        slot.keys.clear()
        this.resetWorker(slot)
        const job = slot.pending.get(id)
        slot.pending.delete(id)
        slot.waiting--
        job?.reject(e instanceof Error ? e : new Error(String(e)))
      }
    })
    return result
  }

  /** Ends the workers (their pending pairs are refused). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
    for (const s of this.slots) for (const job of s.pending.values()) job.reject(new Error('closed'))
  }

  /** After a failed send: the worker forgets what it holds, as the pool's copy now does. */
  private resetWorker(slot: Slot): void {
    slot.worker.postMessage({ forget: true })
  }

  private choose(ka: string, kb: string): Slot {
    const least = this.slots.reduce((x, y) => (y.waiting < x.waiting ? y : x))
    const holder =
      this.slots.find((s) => s.keys.has(ka) && s.keys.has(kb)) ??
      this.slots.find((s) => s.keys.has(ka)) ??
      this.slots.find((s) => s.keys.has(kb))
    return holder && holder.waiting <= least.waiting + BALANCE_SLACK ? holder : least
  }

  private async side(slot: Slot, p: PoolPicture): Promise<VerifySide> {
    const held = slot.keys.has(p.key)
    slot.keys.delete(p.key)
    slot.keys.set(p.key, true)
    while (slot.keys.size > this.opts.capacity) slot.keys.delete(slot.keys.keys().next().value!)
    if (held) return { key: p.key }
    try {
      // A private copy: the transfer must not take the caller's buffer (or a shared pool slab) away.
      return { key: p.key, bytes: new Uint8Array(await p.read()) }
    } catch (e) {
      return { key: p.key, error: e instanceof Error ? e.message : String(e) }
    }
  }
}
