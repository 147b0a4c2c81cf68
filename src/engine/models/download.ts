/**
 * Downloads one file to `dest`, verified, resumable, atomic: bytes go to `<dest>.partial`, which is resumed
 * with a Range request after a dropped connection, and renamed to `dest` only once size and hash match.
 * Sources: http(s) URLs, file:// URLs and plain paths (mirror folders), all checked the same way.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { gitBlobSha1File, sha256File } from './hash.js'
import { isHttpUrl } from './mirror.js'

export interface DownloadOptions {
  /** http(s) URL, file:// URL or local path. */
  url: string
  dest: string
  /** Expected sha256 (hex). On mismatch the file is deleted and an IntegrityError thrown. */
  sha256?: string
  /** Expected git blob SHA-1, for files whose only published checksum is that (see hub-digest.ts). */
  gitBlobSha1?: string
  size?: number
  /** Bytes done so far (including resumed bytes) and the total when known. */
  onProgress?: (done: number, total: number | undefined) => void
  signal?: AbortSignal
  /** Extra attempts after a dropped connection or a 5xx, each resuming where the last one stopped. Default 3. */
  retries?: number
  /** Pause before retry n is n × this many ms. Default 500. */
  retryDelayMs?: number
}

export interface DownloadResult {
  path: string
  sha256: string
  size: number
}

export type DownloadErrorKind =
  'offline' | 'not-found' | 'http' | 'interrupted' | 'integrity' | 'unverifiable'

export class DownloadError extends Error {
  override readonly name: string = 'DownloadError'
  constructor(
    message: string,
    readonly kind: DownloadErrorKind,
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** The downloaded bytes are not the expected ones; the file has been deleted. */
export class IntegrityError extends DownloadError {
  override readonly name = 'IntegrityError'
  constructor(
    message: string,
    source: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message, 'integrity', source)
  }
}

const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** fetch() rejected because the host could not be reached at all (no network, DNS, refused). */
export function isUnreachableError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && OFFLINE_CODES.has(code)) return true
  }
  return false
}

function describe(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const msg = e instanceof Error ? e.message : String(e)
    if (msg && !parts.includes(msg)) parts.push(msg)
  }
  return parts.join(': ') || 'unknown error'
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch {
    return 0
  }
}

async function hashPrefix(hash: Hash, file: string, bytes: number, signal?: AbortSignal): Promise<void> {
  if (bytes <= 0) return
  for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1, signal }))
    hash.update(chunk as Buffer)
}

/** A pass-through that hashes and counts what goes to disk, and reports progress. */
function meter(
  hash: Hash,
  startAt: number,
  total: number | undefined,
  onProgress: DownloadOptions['onProgress'],
) {
  let done = startAt
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      done += chunk.length
      onProgress?.(done, total)
      cb(null, chunk)
    },
  })
  return { stream, done: () => done }
}

function parseContentRange(value: string | null): { start: number; total: number | undefined } | undefined {
  const m = value && /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim())
  if (!m) return undefined
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) }
}

function localPath(url: string): string {
  return /^file:/i.test(url) ? fileURLToPath(url) : url
}

export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const { dest, signal } = opts
  const expected = opts.sha256?.toLowerCase()
  await mkdir(path.dirname(dest), { recursive: true })

  // Already there and intact (an earlier run finished): nothing to fetch.
  if (expected) {
    const size = await sizeOf(dest)
    if (
      size > 0 &&
      (opts.size === undefined || size === opts.size) &&
      (await sha256File(dest, signal)) === expected
    ) {
      opts.onProgress?.(size, size)
      return { path: dest, sha256: expected, size }
    }
  }

  const partial = `${dest}.partial`
  const got = isHttpUrl(opts.url)
    ? await fetchToPartial(opts.url, partial, opts)
    : await copyToPartial(localPath(opts.url), partial, opts)
  await verifyOrDiscard(partial, got, opts)
  await rename(partial, dest)
  return { path: dest, ...got }
}

async function verifyOrDiscard(
  partial: string,
  got: { sha256: string; size: number },
  opts: DownloadOptions,
): Promise<void> {
  const name = path.basename(opts.dest)
  const fail = async (what: string, expected: string, actual: string): Promise<never> => {
    await rm(partial, { force: true })
    throw new IntegrityError(
      `${name} from ${opts.url} is not the expected file: ${what} expected ${expected}, got ${actual}. ` +
        'The downloaded file was deleted; try again, and if it keeps failing the source is damaged or has changed.',
      opts.url,
      expected,
      actual,
    )
  }
  if (opts.size !== undefined && got.size !== opts.size)
    await fail('size', `${opts.size} bytes`, `${got.size} bytes`)
  const expected = opts.sha256?.toLowerCase()
  if (expected && got.sha256 !== expected) await fail('sha256', expected, got.sha256)
  if (opts.gitBlobSha1) {
    const actual = await gitBlobSha1File(partial, opts.signal)
    if (actual !== opts.gitBlobSha1.toLowerCase())
      await fail('git blob SHA-1', opts.gitBlobSha1.toLowerCase(), actual)
  }
}

async function copyToPartial(
  src: string,
  partial: string,
  opts: DownloadOptions,
): Promise<{ sha256: string; size: number }> {
  let total: number
  try {
    total = (await stat(src)).size
  } catch (err) {
    throw new DownloadError(`${src} does not exist or cannot be read.`, 'not-found', src, { cause: err })
  }
  const hash = createHash('sha256')
  const m = meter(hash, 0, total, opts.onProgress)
  opts.onProgress?.(0, total)
  await pipeline(createReadStream(src), m.stream, createWriteStream(partial), { signal: opts.signal })
  return { sha256: hash.digest('hex'), size: m.done() }
}

async function fetchToPartial(
  url: string,
  partial: string,
  opts: DownloadOptions,
): Promise<{ sha256: string; size: number }> {
  const { signal } = opts
  const attempts = 1 + (opts.retries ?? 3)
  const retryDelay = opts.retryDelayMs ?? 500
  let lastError: unknown

  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(retryDelay * (attempt - 1), undefined, { signal })
    signal?.throwIfAborted()

    let offset = await sizeOf(partial)
    if (opts.size !== undefined && offset > opts.size) {
      await rm(partial, { force: true })
      offset = 0
    }
    // identity: a compressed response would make byte offsets meaningless for resuming.
    const headers: Record<string, string> = { 'accept-encoding': 'identity' }
    if (offset > 0) headers.range = `bytes=${offset}-`

    let res: Response
    try {
      res = await fetch(url, { headers, signal, redirect: 'follow' })
    } catch (err) {
      if (signal?.aborted) throw err
      lastError = err
      if (isUnreachableError(err)) {
        throw new DownloadError(`Cannot reach ${url}: ${describe(err)}.`, 'offline', url, { cause: err })
      }
      continue
    }

    if (res.status === 416 && offset > 0) {
      await res.body?.cancel()
      // The partial may already be complete (stopped between the last byte and the rename).
      if (opts.size !== undefined && offset === opts.size)
        return { sha256: await sha256File(partial, signal), size: offset }
      await rm(partial, { force: true })
      lastError = new Error('the server refused to resume (HTTP 416)')
      continue
    }
    if (!res.ok) {
      await res.body?.cancel()
      lastError = new Error(`HTTP ${res.status} ${res.statusText}`.trim())
      if (res.status >= 500 || res.status === 429) continue
      const kind = res.status === 404 || res.status === 410 ? 'not-found' : 'http'
      throw new DownloadError(`${url} answered HTTP ${res.status} ${res.statusText}`.trim() + '.', kind, url)
    }

    let start = 0
    let total = opts.size
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get('content-range'))
      if (!range || range.start !== offset) {
        // Not the part we asked for: start over rather than stitch the wrong bytes together.
        await res.body?.cancel()
        await rm(partial, { force: true })
        lastError = new Error(`unexpected Content-Range "${res.headers.get('content-range')}"`)
        continue
      }
      start = offset
      total ??= range.total
    } else {
      // 200 to a Range request: the server ignored it, so the body is the whole file from byte 0.
      const length = Number(res.headers.get('content-length') ?? NaN)
      total ??= Number.isFinite(length) && length >= 0 ? length : undefined
    }

    const hash = createHash('sha256')
    await hashPrefix(hash, partial, start, signal)
    let done = start
    opts.onProgress?.(done, total)
    // Each chunk is on disk before the next is read, so after a cut the partial file holds everything
    // received and the next attempt resumes from there.
    const file = await open(partial, start > 0 ? 'a' : 'w')
    try {
      if (res.body) {
        for await (const chunk of Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)) {
          const bytes = chunk as Uint8Array
          await file.write(bytes)
          hash.update(bytes)
          done += bytes.length
          opts.onProgress?.(done, total)
          signal?.throwIfAborted()
        }
      }
      return { sha256: hash.digest('hex'), size: done }
    } catch (err) {
      if (signal?.aborted) throw err
      lastError = err // keep the partial file: the next attempt resumes from it
    } finally {
      await file.close()
    }
  }
  throw new DownloadError(
    `Downloading ${url} failed after ${attempts} attempts (${describe(lastError)}). What was received is kept; run again to resume.`,
    'interrupted',
    url,
    { cause: lastError },
  )
}
