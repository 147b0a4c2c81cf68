/**
 * The IPC policy of the shell, as pure functions (unit-tested in `test/unit/shell/ipc-policy.test.ts`):
 * which senders may talk to main, how a call is validated (size, then contract) and answered, and how errors
 * cross the process boundary (as plain `{ message, code }` values by the shared mapper, never thrown objects).
 */
import { z } from 'zod'
import { callByteLimit, payloadBytes } from '../shared/call-limits'
import { ContractError, parseCall, photoId, type MethodName } from '../shared/contract'
import { toWireError } from '../shared/wire-errors'
import type { CallOutcome, ShellError } from '../preload/api'
import { APP_HOST, APP_SCHEME } from './security'

/** What main knows about the frame that sent an IPC message. */
export interface SenderInfo {
  /** The sending frame's URL; null when the frame is gone (navigated away or destroyed). */
  frameUrl: string | null
  /** Whether the frame is its page's top frame (not an iframe). */
  isMainFrame: boolean
  /** Whether the page belongs to one of Tessera's own windows. */
  isTesseraWindow: boolean
}

/**
 * Whether a page URL is Tessera's renderer: `app://tessera/…`, or the Vite dev server's origin when one is
 * given (only `electron-vite dev` sets it). Compared by scheme, host and port, never by prefix, so
 * `app://tessera.evil/` and `http://localhost:51730/` do not pass.
 */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.username !== '' || parsed.password !== '') return false
  if (parsed.protocol === `${APP_SCHEME}:`) return parsed.host === APP_HOST
  if (!devServerUrl) return false
  let dev: URL
  try {
    dev = new URL(devServerUrl)
  } catch {
    return false
  }
  return (dev.protocol === 'http:' || dev.protocol === 'https:') && parsed.origin === dev.origin
}

/** Whether an IPC message may be answered: the top frame of a Tessera window showing the app's own page. */
export function isTrustedSender(sender: SenderInfo, devServerUrl?: string): boolean {
  return (
    sender.isTesseraWindow &&
    sender.isMainFrame &&
    sender.frameUrl !== null &&
    isAppUrl(sender.frameUrl, devServerUrl)
  )
}

export const FORBIDDEN: ShellError = { message: 'This page may not use Tessera.', code: 'forbidden' }

/**
 * The plain form of any error, by the mapper every host shares (`shared/wire-errors.ts`): the same engine
 * error has the same code in the app and in browser mode.
 */
export function toShellError(error: unknown): ShellError {
  return toWireError(error)
}

/** Something that runs validated contract calls (the engine bridge). */
export interface CallTarget {
  call(method: MethodName, args: never): Promise<unknown>
}

/**
 * Answers `tessera:call`: the method must be a string and the arguments must match the contract before the
 * engine sees them; every failure comes back as a value.
 */
export async function handleCall(target: CallTarget, method: unknown, args: unknown): Promise<CallOutcome> {
  try {
    if (typeof method !== 'string') throw new ContractError('The method must be a string.', 'bad-method')
    const limit = callByteLimit(method)
    if (payloadBytes(args, limit) > limit) {
      throw new ContractError(
        `The call is too large: ${method} accepts at most ${limit} bytes.`,
        'payload-too-large',
      )
    }
    const call = parseCall(method, args)
    return { ok: true, result: await target.call(call.method, call.args as never) }
  } catch (error) {
    return { ok: false, error: toShellError(error) }
  }
}

/** Arguments of the native-only channels (after the event). */
export const nativeArgs = {
  pickFolder: z.tuple([]),
  showInFolder: z.tuple([photoId]),
  chooseLibrary: z.tuple([]),
} as const

/** Validates a native channel's arguments; throws a `bad-args` ContractError. */
export function parseNativeArgs<K extends keyof typeof nativeArgs>(
  channel: K,
  args: unknown[],
): z.infer<(typeof nativeArgs)[K]> {
  const parsed = nativeArgs[channel].safeParse(args)
  if (!parsed.success) {
    throw new ContractError(`Invalid arguments for ${channel}: ${z.prettifyError(parsed.error)}`, 'bad-args')
  }
  return parsed.data as z.infer<(typeof nativeArgs)[K]>
}

/** Runs a handler and turns its result or error into a `CallOutcome`. */
export async function outcome<T>(run: () => Promise<T> | T): Promise<CallOutcome<T>> {
  try {
    return { ok: true, result: await run() }
  } catch (error) {
    return { ok: false, error: toShellError(error) }
  }
}
