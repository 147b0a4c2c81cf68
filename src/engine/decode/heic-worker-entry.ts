/**
 * The worker side of heic-worker-pool.ts: decodes one HEIF file per message with heic-decode. libheif's
 * console chatter is kept and returned with an error, where it helps tell a truncated file from a damaged one.
 */
import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'
import type { HeicResult } from './heic-worker-pool.js'

export interface HeicRequest {
  id: number
  buffer: Uint8Array
  maxPixels: number
}

export type HeicReply = HeicResult & { id: number }

/** The part of heic-decode (untyped CommonJS) used here. */
interface HeicDecode {
  all(input: { buffer: Uint8Array }): Promise<
    Array<{
      width: number
      height: number
      decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }>
    }> & { dispose(): void }
  >
}

const port = parentPort
if (!port) throw new Error('heic-worker-entry runs in a worker thread (see heic-worker-pool.ts).')

let logs: string[] = []
const keep = (...args: unknown[]): void => {
  logs.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '))
}
console.log = console.error = console.warn = console.info = keep
// Loaded after console is replaced (libheif may print while it starts), hence require rather than import.
const decoder = createRequire(import.meta.url)('heic-decode') as HeicDecode

async function decode({ id, buffer, maxPixels }: HeicRequest): Promise<void> {
  logs = []
  let images: Awaited<ReturnType<HeicDecode['all']>> | undefined
  const reply = (r: HeicReply, transfer: ArrayBuffer[] = []) => port!.postMessage(r, transfer)
  try {
    images = await decoder.all({ buffer })
    const image = images[0]!
    if (image.width * image.height > maxPixels) {
      reply({ id, ok: false, tooLarge: { width: image.width, height: image.height } })
      return
    }
    const { width, height, data } = await image.decode()
    const rgba = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    reply({ id, ok: true, width, height, rgba }, [data.buffer as ArrayBuffer])
  } catch (error) {
    const message = [error instanceof Error ? error.message : String(error), ...logs].join(' | ')
    reply({ id, ok: false, message })
  } finally {
    try {
      images?.dispose()
    } catch {
      // already freed, or the decoder died: nothing left to give back
    }
  }
}

port.on('message', (request: HeicRequest) => void decode(request))
