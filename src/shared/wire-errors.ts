/**
 * The one way an error crosses the wire, shared by the browser-mode server (WebSocket), the engine's utility
 * process and main's IPC: a stable code and a plain message, never internal text (a database's error, a
 * stack, a path inside the library or the app).
 *
 * - a `ContractError`, and the engine's errors that carry a code of {@link USER_CODES} (a refused folder…),
 *   keep their message and code: they are written for the person using Tessera;
 * - operating-system errors (`ENOENT`, `EACCES`, `EMFILE`…) become `not-found`, `permission-denied`, `busy`…
 *   with a plain sentence and no path;
 * - database (LanceDB, Arrow) and native-module errors become `storage-error` (`busy` for "Too many open
 *   files"), programming errors (`TypeError`…) become `internal`, both with a plain sentence;
 * - any other error keeps the first line of its message (engine errors are sentences for the user), without
 *   the paths inside `internalDirs`.
 *
 * Pure TypeScript: no Node or DOM imports.
 */

export interface WireError {
  message: string
  code: string
}

/** Codes an interface can rely on. */
export const WIRE_CODES = {
  /** Too many calls in flight or waiting: try again later. */
  busy: 'busy',
  /** The call's payload is larger than its method allows. */
  payloadTooLarge: 'payload-too-large',
  badMessage: 'bad-message',
  badMethod: 'bad-method',
  badArgs: 'bad-args',
  closed: 'closed',
  notFound: 'not-found',
  permissionDenied: 'permission-denied',
  diskFull: 'disk-full',
  ioError: 'io-error',
  storageError: 'storage-error',
  internal: 'internal',
  engineError: 'engine-error',
} as const

/**
 * Codes the engine and host give to errors written for the user (their message crosses as is): the folder
 * policy's refusals (engine/library/folder-policy.ts), the contract's and the host's own codes.
 */
export const USER_CODES: ReadonlySet<string> = new Set([
  'relative-path',
  'not-found',
  'not-a-folder',
  'system-folder',
  'library-folder',
  'needs-confirmation',
  'no-roots',
  'busy',
  'closed',
  'forbidden',
  'payload-too-large',
  'bad-message',
  'bad-method',
  'bad-args',
])

const MAX_MESSAGE = 500

const SYSTEM_ERRORS: Readonly<Record<string, WireError>> = {
  ENOENT: { code: 'not-found', message: 'A file or folder Tessera needed was not found.' },
  ENOTDIR: { code: 'not-found', message: 'A file or folder Tessera needed was not found.' },
  EACCES: { code: 'permission-denied', message: 'Tessera was not allowed to read or write a file.' },
  EPERM: { code: 'permission-denied', message: 'Tessera was not allowed to read or write a file.' },
  EROFS: { code: 'permission-denied', message: 'The disk is read-only.' },
  ENOSPC: { code: 'disk-full', message: 'The disk is full: free some space and try again.' },
  EDQUOT: { code: 'disk-full', message: 'The disk quota is used up: free some space and try again.' },
  EMFILE: { code: 'busy', message: 'Tessera is busy (too many files open): try again in a moment.' },
  ENFILE: { code: 'busy', message: 'Tessera is busy (too many files open): try again in a moment.' },
  EBUSY: { code: 'busy', message: 'A file is in use: try again in a moment.' },
  EAGAIN: { code: 'busy', message: 'Tessera is busy: try again in a moment.' },
}

const IO_ERROR: WireError = { code: 'io-error', message: 'A file could not be read or written.' }
const STORAGE_ERROR: WireError = {
  code: 'storage-error',
  message: "The library's database could not answer: try again; if it keeps failing, restart Tessera.",
}
const TOO_MANY_FILES: WireError = SYSTEM_ERRORS['EMFILE']!
const INTERNAL: WireError = { code: 'internal', message: 'Something went wrong inside Tessera.' }

/** Text that only a library, a native module or a runtime writes. */
const INTERNAL_TEXT =
  /\blance(db)?\b|\barrow\b|datafusion|\bos error \d+|panicked|\bnapi\b|node_modules|\bat \S+ \(|\bat file:|onnxruntime|\bsqlite\b|\bsharp\b|\berrno\b|\bRust\b/i
const TOO_MANY_FILES_TEXT = /too many open files|\bE[MN]FILE\b/i
const PROGRAMMING_ERRORS = new Set([
  'TypeError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'EvalError',
  'URIError',
])

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined
}

function stringField(error: unknown, name: string): string | undefined {
  const value = field(error, name)
  return typeof value === 'string' && value !== '' ? value : undefined
}

function firstLine(text: string): string {
  const line = (text.split('\n')[0] ?? '').trim()
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Replaces the paths at or inside `dirs` (whole path tokens) with a plain word. */
function redact(message: string, dirs: readonly string[]): string {
  let out = message
  for (const dir of dirs) {
    const trimmed = dir.replace(/[\\/]+$/, '')
    if (trimmed.length < 2) continue
    const pattern = new RegExp(`${escapeRegExp(trimmed)}(?:[\\\\/][^\\s'"\`,;:)]*)?`, 'g')
    out = out.replace(pattern, '(a Tessera file)')
  }
  return out
}

export interface WireErrorOptions {
  /** Folders whose paths never cross (the library's, the app's): replaced in passed-through messages. */
  internalDirs?: readonly string[]
}

/** The wire form of any error (see the module's comment). */
export function toWireError(error: unknown, options: WireErrorOptions = {}): WireError {
  const name = stringField(error, 'name')
  const code = stringField(error, 'code')
  const raw =
    error instanceof Error ? error.message : typeof error === 'string' ? error : stringField(error, 'message')
  const message = raw ?? ''

  if (name === 'ContractError' || (code !== undefined && USER_CODES.has(code))) {
    const text = firstLine(message)
    if (!INTERNAL_TEXT.test(text)) {
      return { code: code ?? WIRE_CODES.engineError, message: text || 'The call was refused.' }
    }
  }
  // Node's system errors: `code` like ENOENT, with `syscall` or `errno`.
  if (code !== undefined && /^E[A-Z0-9]+$/.test(code)) return SYSTEM_ERRORS[code] ?? IO_ERROR
  if (TOO_MANY_FILES_TEXT.test(message)) return TOO_MANY_FILES
  if (INTERNAL_TEXT.test(firstLine(message))) return STORAGE_ERROR
  if (name !== undefined && PROGRAMMING_ERRORS.has(name)) return INTERNAL
  if (!(error instanceof Error) && typeof error !== 'string') return INTERNAL
  const text = firstLine(redact(message, options.internalDirs ?? []))
  if (text === '') return INTERNAL
  return {
    code: code !== undefined && /^[a-z][a-z0-9-]{0,40}$/.test(code) ? code : WIRE_CODES.engineError,
    message: text,
  }
}
