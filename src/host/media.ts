/**
 * The one gate between a media URL and a file on disk, shared by the browser-mode server's `/media/…` routes
 * and the Electron shell's media protocol. A request names a kind (`thumb` or `photo`) and a photo id, never a
 * path; the engine host says where that photo's file is, and the file is served only when its real path (links
 * followed) lies inside a watched folder (photos) or the thumbnail cache (thumbnails). Photos a browser cannot
 * show (HEIC, TIFF, …) are converted to a JPEG preview.
 */
import { createReadStream } from 'node:fs'
import fs from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import path from 'node:path'
import { Readable } from 'node:stream'
import sharp, { type Sharp } from 'sharp'
import { photoId } from '../shared/contract.js'
import { DEFAULT_MAX_PIXELS } from '../engine/decode/decode-photo.js'
import { decodeHeicInWorker } from '../engine/decode/heic-worker-pool.js'
import { sniffFormat, type PhotoFormat } from '../engine/decode/sniff-format.js'
import type { MediaSource } from './media-source.js'

/** Long side of the JPEG preview made for photos a browser cannot show. */
export const PREVIEW_LONG_SIDE = 2560
/** Thumbnails and photos may change under the same id (a file edited in place): cache them briefly. */
export const MEDIA_CACHE_CONTROL = 'private, max-age=300'

/** Formats every current browser shows as is, with their MIME types. */
const BROWSER_TYPES: Partial<Record<PhotoFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
}

/** Enough of the file to recognise its format (the ISO-BMFF `ftyp` box of HEIC/AVIF included). */
const SNIFF_BYTES = 4096

export type MediaBody =
  /** Bytes made here (a converted preview). */
  | { kind: 'buffer'; data: Buffer }
  /** A file served as is: stream it from `path` (a real path, already checked). */
  | { kind: 'file'; path: string; size: number }

export type MediaResponse =
  | { status: 200; contentType: string; body: MediaBody; headers: Record<string, string> }
  | { status: 403 | 404 | 405 | 500; reason: string; headers: Record<string, string> }

export interface ResolveMediaOptions {
  /** The request's HTTP method: anything but GET and HEAD is refused (405). Default GET. */
  method?: string
}

const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff' }

function refuse(status: 403 | 404 | 405 | 500, reason: string): MediaResponse {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Cache-Control': 'no-store' }
  if (status === 405) headers.Allow = 'GET, HEAD'
  return { status, reason, headers }
}

function ok(contentType: string, body: MediaBody): MediaResponse {
  return {
    status: 200,
    contentType,
    body,
    headers: { ...SECURITY_HEADERS, 'Cache-Control': MEDIA_CACHE_CONTROL },
  }
}

async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await fs.realpath(p)
  } catch {
    return null
  }
}

/** Whether `file` lies strictly inside `dir` (both real, absolute paths). */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file)
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)
}

async function sniff(file: string): Promise<PhotoFormat | null> {
  const handle = await fs.open(file, 'r')
  try {
    const head = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0)
    const sniffed = sniffFormat(head.subarray(0, bytesRead))
    return sniffed.kind === 'image' ? sniffed.format : null
  } finally {
    await handle.close()
  }
}

// ---- previews of photos a browser cannot show ----

/** The last few previews, so paging back and forth in the viewer does not convert again. */
const PREVIEW_CACHE_SIZE = 8
const previews = new Map<string, Promise<Buffer>>()

function cachedPreview(key: string, make: () => Promise<Buffer>): Promise<Buffer> {
  const hit = previews.get(key)
  if (hit) {
    previews.delete(key)
    previews.set(key, hit) // most recently used last
    return hit
  }
  const made = make()
  previews.set(key, made)
  made.catch(() => previews.delete(key)) // a failure is not remembered: the file may be fixed
  while (previews.size > PREVIEW_CACHE_SIZE) previews.delete(previews.keys().next().value!)
  return made
}

function toPreviewJpeg(image: Sharp): Promise<Buffer> {
  return image
    .resize(PREVIEW_LONG_SIDE, PREVIEW_LONG_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 85 })
    .toBuffer()
}

/** HEIC/HEIF through the engine's decoder (libheif in a worker; it already applies the file's rotation). */
async function heicPreview(file: string): Promise<Buffer> {
  const result = await decodeHeicInWorker(await fs.readFile(file), DEFAULT_MAX_PIXELS)
  if (!result.ok) throw new Error('message' in result ? result.message : 'The HEIC photo is too large.')
  const { width, height, rgba } = result
  return toPreviewJpeg(
    sharp(rgba, { raw: { width, height, channels: 4 }, limitInputPixels: DEFAULT_MAX_PIXELS }),
  )
}

/** TIFF and anything else sharp reads, turned upright per its EXIF orientation. */
function sharpPreview(file: string): Promise<Buffer> {
  return toPreviewJpeg(sharp(file, { limitInputPixels: DEFAULT_MAX_PIXELS, failOn: 'error' }).rotate())
}

// ---- the gate ----

/**
 * What to answer for `/<kind>/<id>`: the thumbnail or photo file, a JPEG preview of a photo the browser cannot
 * show, or a refusal (405 wrong method, 404 unknown kind/id/file, 403 a file outside the allowed folders, 500 a
 * photo that could not be converted or a failing lookup). Never throws.
 */
export async function resolveMedia(
  source: MediaSource,
  kind: string,
  id: string,
  options: ResolveMediaOptions = {},
): Promise<MediaResponse> {
  const method = (options.method ?? 'GET').toUpperCase()
  if (method !== 'GET' && method !== 'HEAD') return refuse(405, 'Only GET and HEAD are allowed.')
  if (kind !== 'thumb' && kind !== 'photo') return refuse(404, 'No such media.')
  if (!photoId.safeParse(id).success) return refuse(404, 'No such photo.')

  let stored: string | null
  let allowed: readonly string[]
  try {
    if (kind === 'thumb') {
      stored = await source.thumbPath(id)
      allowed = [source.thumbsDir]
    } else {
      stored = (await source.photoPath(id))?.path ?? null
      allowed = source.roots()
    }
  } catch {
    return refuse(500, 'The library could not be read.')
  }
  if (!stored) return refuse(404, kind === 'thumb' ? 'This photo has no thumbnail.' : 'No such photo.')

  const real = await realpathOrNull(stored)
  if (!real) return refuse(404, 'The file is missing.')
  const dirs = (await Promise.all(allowed.map(realpathOrNull))).filter((d): d is string => d !== null)
  if (!dirs.some((dir) => isInside(dir, real))) {
    return refuse(403, kind === 'thumb' ? 'Outside the thumbnail cache.' : "Outside the library's folders.")
  }

  try {
    const stat = await fs.stat(real)
    if (!stat.isFile()) return refuse(404, 'The file is missing.')
    const format = await sniff(real)
    const type = format ? BROWSER_TYPES[format] : undefined
    if (type) return ok(type, { kind: 'file', path: real, size: stat.size })
    if (kind === 'thumb') return refuse(404, 'The thumbnail is not an image.')
    const key = `${real}\0${stat.size}\0${stat.mtimeMs}`
    const data = await cachedPreview(key, () => (format === 'heic' ? heicPreview(real) : sharpPreview(real)))
    return ok('image/jpeg', { kind: 'buffer', data })
  } catch {
    return refuse(500, 'This photo could not be shown.')
  }
}

// ---- answering ----

function headersOf(result: MediaResponse): Record<string, string> {
  if (result.status !== 200) {
    return { ...result.headers, 'Content-Type': 'text/plain; charset=utf-8' }
  }
  const size = result.body.kind === 'file' ? result.body.size : result.body.data.length
  return { ...result.headers, 'Content-Type': result.contentType, 'Content-Length': String(size) }
}

/** A Web `Response` (for Electron's `protocol.handle`); no body for HEAD. */
export function toWebResponse(result: MediaResponse, method = 'GET'): Response {
  const headers = headersOf(result)
  const head = method.toUpperCase() === 'HEAD'
  if (result.status !== 200)
    return new Response(head ? null : result.reason, { status: result.status, headers })
  if (head) return new Response(null, { status: 200, headers })
  const body =
    result.body.kind === 'buffer'
      ? new Uint8Array(result.body.data)
      : (Readable.toWeb(createReadStream(result.body.path)) as ReadableStream<Uint8Array>)
  return new Response(body, { status: 200, headers })
}

/**
 * Writes the answer to a Node response (the browser-mode server), `extraHeaders` added; no body for HEAD.
 * Resolves once the body is sent (or the response was ended because the file could not be read).
 */
export function writeMediaResponse(
  res: ServerResponse,
  result: MediaResponse,
  method = 'GET',
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  res.writeHead(result.status, { ...extraHeaders, ...headersOf(result) })
  if (method.toUpperCase() === 'HEAD') {
    res.end()
    return Promise.resolve()
  }
  if (result.status !== 200) {
    res.end(result.reason)
    return Promise.resolve()
  }
  if (result.body.kind === 'buffer') {
    res.end(result.body.data)
    return Promise.resolve()
  }
  const stream = createReadStream(result.body.path)
  return new Promise((resolve) => {
    stream.on('error', () => {
      res.destroy() // headers are out: all that is left is to cut the response short
      resolve()
    })
    res.on('close', () => {
      stream.destroy()
      resolve()
    })
    stream.pipe(res)
  })
}
