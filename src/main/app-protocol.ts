/**
 * The `app://tessera/` protocol that serves the built renderer from one folder. Only GET/HEAD of
 * files inside that folder are answered; anything else (other hosts, `..` escapes, encoded
 * separators, NUL bytes, folders) is a 404 without touching the disk outside the folder.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { APP_HOST, APP_SCHEME } from './security'

import { contentTypeFor } from '../host/content-types'

export { contentTypeFor }

/**
 * Maps an `app://tessera/...` URL to a file inside `rootDir`, or `null` when the URL is not ours
 * or would leave the folder. `/` maps to `index.html`.
 */
export function resolveAppAsset(url: string, rootDir: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null

  let pathname: string
  try {
    pathname = decodeURIComponent(parsed.pathname)
  } catch {
    return null
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null
  if (pathname === '/' || pathname === '') pathname = '/index.html'

  const root = resolve(rootDir)
  const file = resolve(root, `.${pathname}`)
  const rel = relative(root, file)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null
  return file
}

export interface AppProtocolOptions {
  /** Folder of the built renderer (`out/renderer`). */
  rootDir: string
  /** Sent as the Content-Security-Policy header of every response. */
  csp: string
  /** Reads a file; defaults to `fs.readFile`. */
  read?: (file: string) => Promise<Uint8Array>
}

/** Builds the handler to pass to `protocol.handle(APP_SCHEME, ...)`. */
export function createAppProtocolHandler(
  options: AppProtocolOptions,
): (request: Request) => Promise<Response> {
  const read = options.read ?? ((file: string) => readFile(file))
  const baseHeaders = {
    'Content-Security-Policy': options.csp,
    'X-Content-Type-Options': 'nosniff',
  }
  const notFound = (): Response => new Response('Not found', { status: 404, headers: baseHeaders })

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed', {
        status: 405,
        headers: { ...baseHeaders, Allow: 'GET, HEAD' },
      })
    }
    const file = resolveAppAsset(request.url, options.rootDir)
    if (file === null) return notFound()
    let body: Uint8Array
    try {
      body = await read(file)
    } catch {
      return notFound()
    }
    const headers = { ...baseHeaders, 'Content-Type': contentTypeFor(file) }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers })
  }
}
