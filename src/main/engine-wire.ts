/**
 * Messages between main and the engine's utility process (`engine-host-entry.ts`), on top of the contract's
 * `CallMessage` / `ReplyMessage` / `EventMessage`. Pure types and parsers, shared by both sides.
 */
import type { CallMessage, EventMessage, MediaKind, ReplyMessage } from '../shared/contract'

/**
 * How the engine host answers a media request: `resolveMedia`'s answer (`MediaResponse` in host/media.ts) as
 * it crosses the port. A file served as is travels as its checked real path, which main streams itself (a
 * 12 MP photo never goes through the message port); only converted previews (HEIC, TIFF → JPEG) travel as bytes.
 */
export type MediaAnswer =
  | {
      status: 200
      contentType: string
      body: { kind: 'file'; path: string; size: number } | { kind: 'buffer'; data: Uint8Array }
      headers: Record<string, string>
    }
  | { status: number; reason: string; headers: Record<string, string> }

/** main → engine host: where a photo's thumbnail or picture is (`target` is the photo id). */
export interface MediaRequestMessage {
  kind: 'media'
  id: number
  mediaKind: MediaKind
  target: string
}
export interface MediaReplyMessage {
  kind: 'media-reply'
  id: number
  answer: MediaAnswer
}

export type ToEngineHost = CallMessage | MediaRequestMessage | { kind: 'close' }

export type FromEngineHost =
  | ReplyMessage
  | EventMessage
  | MediaReplyMessage
  /** The engine opened its library and answers calls. */
  | { kind: 'ready' }
  /** The engine cannot go on (its library did not open, an uncaught error); the process exits next. */
  | { kind: 'fatal'; message: string }

export interface EngineHostArgs {
  libraryDir: string
}

/** The utility process's own arguments (after Electron's): `--library <dir>`. */
export function hostArgs(options: EngineHostArgs): string[] {
  return ['--library', options.libraryDir]
}

/** Reads {@link hostArgs} back from `process.argv`; throws when the library is missing. */
export function parseHostArgs(argv: readonly string[]): EngineHostArgs {
  const at = argv.lastIndexOf('--library')
  const libraryDir = at >= 0 ? argv[at + 1] : undefined
  if (!libraryDir || libraryDir.startsWith('--'))
    throw new Error('The engine host needs --library <dir> (main passes it).')
  return { libraryDir }
}

const KINDS = new Set(['reply', 'event', 'media-reply', 'ready', 'fatal'])

/** Whether a message from the engine host has a known shape (main ignores anything else). */
export function isFromEngineHost(message: unknown): message is FromEngineHost {
  if (typeof message !== 'object' || message === null) return false
  const kind = (message as { kind?: unknown }).kind
  if (typeof kind !== 'string' || !KINDS.has(kind)) return false
  if (kind === 'reply' || kind === 'media-reply') return typeof (message as { id?: unknown }).id === 'number'
  return true
}
