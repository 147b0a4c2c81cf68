/**
 * The checksum a Hugging Face Hub `resolve` URL declares for its file, for files we have no pinned sha256
 * for. LFS files answer with a redirect carrying `x-linked-etag` (the LFS sha256) and `x-linked-size`; small
 * git-stored files carry an `etag` that is their git blob SHA-1. The headers are on the redirect itself,
 * so the HEAD request must not follow it.
 */
import { DownloadError, isUnreachableError } from './download.js'

export interface ServerDigest {
  sha256?: string
  gitBlobSha1?: string
  size?: number
}

function normaliseEtag(value: string | null): string | undefined {
  if (!value) return undefined
  return value.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase()
}

export async function fetchHubDigest(url: string, signal?: AbortSignal): Promise<ServerDigest> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'HEAD',
      redirect: 'manual',
      signal,
      headers: { 'accept-encoding': 'identity' },
    })
  } catch (err) {
    if (signal?.aborted) throw err
    const kind = isUnreachableError(err) ? 'offline' : 'http'
    throw new DownloadError(
      `Cannot reach ${url} to read its checksum: ${(err as Error).message}.`,
      kind,
      url,
      { cause: err },
    )
  }
  if (res.status >= 400) {
    throw new DownloadError(
      `${url} answered HTTP ${res.status} when asked for its checksum.`,
      res.status === 404 ? 'not-found' : 'http',
      url,
    )
  }
  const linked = normaliseEtag(res.headers.get('x-linked-etag'))
  const linkedSize = Number(res.headers.get('x-linked-size') ?? NaN)
  if (linked && /^[0-9a-f]{64}$/.test(linked)) {
    return { sha256: linked, size: Number.isSafeInteger(linkedSize) ? linkedSize : undefined }
  }
  const etag = normaliseEtag(res.headers.get('etag'))
  if (etag && /^[0-9a-f]{64}$/.test(etag)) return { sha256: etag }
  if (etag && /^[0-9a-f]{40}$/.test(etag)) return { gitBlobSha1: etag }
  throw new DownloadError(
    `${url} does not declare a checksum (no x-linked-etag or usable ETag header), so it cannot be verified and was not downloaded.`,
    'unverifiable',
    url,
  )
}
