/**
 * Media URLs of the Electron shell: `tessera-media://media/<kind>/<id>`, by photo id only, so no file path
 * ever travels in a URL. Pure and import-free at runtime: the sandboxed preload builds the URLs, main's
 * protocol handler parses them.
 */
import type { MediaKind } from '../shared/contract'

/** Privileged scheme that serves thumbnails and photos (see `media-protocol.ts`). */
export const MEDIA_SCHEME = 'tessera-media'
export const MEDIA_HOST = 'media'
/** The kinds the protocol serves; the same as the contract's `MEDIA_KINDS` (kept here so the preload needs no zod). */
export const MEDIA_URL_KINDS = ['thumb', 'photo'] as const satisfies readonly MediaKind[]

/** Longest id segment accepted; photo ids are 36-character UUIDs. */
const MAX_ID_LENGTH = 200

export function isMediaKind(value: unknown): value is MediaKind {
  return typeof value === 'string' && (MEDIA_URL_KINDS as readonly string[]).includes(value)
}

/**
 * The URL of a photo's thumbnail or full picture.
 *
 * @example
 * buildMediaUrl('thumb', '0b9e…') // 'tessera-media://media/thumb/0b9e…'
 * @throws TypeError for an unknown kind or an id that is not a non-empty string
 */
export function buildMediaUrl(kind: MediaKind, id: string): string {
  if (!isMediaKind(kind)) throw new TypeError(`Unknown media kind ${JSON.stringify(kind)}.`)
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH)
    throw new TypeError('A media id is a non-empty string.')
  return `${MEDIA_SCHEME}://${MEDIA_HOST}/${kind}/${encodeURIComponent(id)}`
}

/**
 * The kind and id a media URL asks for, or `null` for anything else: another scheme or host, a port,
 * credentials, a query, extra path segments, bad percent-encoding, or ids with separators or NUL bytes.
 */
export function parseMediaUrl(url: string): { kind: MediaKind; id: string } | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== `${MEDIA_SCHEME}:` || parsed.hostname !== MEDIA_HOST || parsed.port !== '')
    return null
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '') return null
  const parts = parsed.pathname.split('/')
  if (parts.length !== 3 || parts[0] !== '') return null
  const [, kind, encodedId = ''] = parts
  if (!isMediaKind(kind)) return null
  let id: string
  try {
    id = decodeURIComponent(encodedId)
  } catch {
    return null
  }
  if (id.length === 0 || id.length > MAX_ID_LENGTH || /[/\\\0]/.test(id)) return null
  return { kind, id }
}
