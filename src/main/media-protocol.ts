/**
 * The `tessera-media://media/<kind>/<id>` protocol: thumbnails and photos by id. Only GET of well-formed
 * media URLs for photo ids reaches the engine host, which checks the file against the watched folders or the
 * thumbnail cache (`resolveMedia`) and answers with the file's path or a converted preview; the file is then
 * streamed from here, so big photos never travel through a message port. Never imports Electron at runtime.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { photoId, type MediaKind } from '../shared/contract'
import type { MediaAnswer } from './engine-wire'
import { parseMediaUrl } from './media-url'

export interface MediaProtocolOptions {
  /** Asks the engine host (`EngineBridge.media`). */
  resolve: (kind: MediaKind, id: string) => Promise<MediaAnswer>
  warn?: (message: string) => void
}

const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff' }

function refuse(status: number, reason: string, extra: Record<string, string> = {}): Response {
  return new Response(reason, {
    status,
    headers: {
      ...BASE_HEADERS,
      'Cache-Control': 'no-store',
      'Content-Type': 'text/plain; charset=utf-8',
      ...extra,
    },
  })
}

/** Turns the engine host's answer into a response, streaming files from disk. */
export async function mediaResponse(answer: MediaAnswer): Promise<Response> {
  if (!('body' in answer)) return refuse(answer.status, answer.reason, answer.headers)
  const headers = { ...answer.headers, ...BASE_HEADERS, 'Content-Type': answer.contentType }
  if (answer.body.kind === 'buffer') {
    const data = answer.body.data
    return new Response(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), {
      status: 200,
      headers: { ...headers, 'Content-Length': String(data.byteLength) },
    })
  }
  let handle: FileHandle | undefined
  let size: number
  try {
    handle = await open(answer.body.path, 'r')
    // The size of the file opened here, not the one the engine host saw a moment ago.
    size = (await handle.stat()).size
  } catch {
    await handle?.close()
    return refuse(404, 'The file is missing.')
  }
  const stream = Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>
  return new Response(stream, { status: 200, headers: { ...headers, 'Content-Length': String(size) } })
}

/** Builds the handler to pass to `protocol.handle(MEDIA_SCHEME, ...)`. */
export function createMediaProtocolHandler(
  options: MediaProtocolOptions,
): (request: Request) => Promise<Response> {
  const warn = options.warn ?? ((message: string) => console.warn(message))
  return async (request) => {
    if (request.method !== 'GET') return refuse(405, 'Only GET is allowed.', { Allow: 'GET' })
    const target = parseMediaUrl(request.url)
    if (!target || !photoId.safeParse(target.id).success) return refuse(404, 'No such media.')
    let answer: MediaAnswer
    try {
      answer = await options.resolve(target.kind, target.id)
    } catch (error) {
      warn(`[media] ${target.kind} ${target.id}: ${(error as Error).message}`)
      return refuse(503, 'The engine is not available.')
    }
    return mediaResponse(answer)
  }
}
