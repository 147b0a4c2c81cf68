/**
 * The engine's utility process (built as `out/main/engine-host.js`, forked by `engine-process.ts`). It opens
 * the library with `EngineService` and serves main over `process.parentPort`:
 * - `call` → validated again with `parseCall` (cheap), run, answered with a `reply`;
 * - `media` → `resolveMedia` (the same gate as the browser-mode server), answered with the checked file's
 *   path for main to stream, or the converted preview's bytes;
 * - `close` → the library is closed and the process exits;
 * - engine events are forwarded as `event` messages.
 *
 * It runs only in Electron's utility process but imports nothing from Electron: `process.parentPort` is a
 * property of the process there.
 */
import { EngineService } from '../host/engine-service'
import { resolveMedia } from '../host/media'
import { ContractError, parseCall, type CallMessage, type ReplyMessage } from '../shared/contract'
import {
  parseHostArgs,
  type FromEngineHost,
  type MediaAnswer,
  type MediaRequestMessage,
  type ToEngineHost,
} from './engine-wire'

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort
if (!port) throw new Error('engine-host runs in an Electron utility process (see engine-process.ts).')
const parent: ParentPortLike = port

function post(message: FromEngineHost): void {
  parent.postMessage(message)
}

/** Reports what stopped the engine (main shows it), then exits so main can restart it. */
function die(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error)
  console.error('[engine] fatal:', error)
  post({ kind: 'fatal', message: `The engine stopped: ${message}` })
  process.exit(1)
}

process.on('uncaughtException', die)
process.on('unhandledRejection', die)

const { libraryDir } = parseHostArgs(process.argv)
const modelMirror = process.env['TESSERA_MODEL_MIRROR'] || undefined

const opening = EngineService.open({
  libraryDir,
  modelMirror,
  mode: 'electron',
  native: { pickFolder: true, showInFolder: true },
})
opening.then(
  (service) => {
    service.subscribe((event) => post({ kind: 'event', event }))
    post({ kind: 'ready' })
  },
  (error: unknown) => die(new Error(`The library at ${libraryDir} could not be opened: ${errorText(error)}`)),
)

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The wire form of an error: a ContractError's message and code; anything else as `engine-error`. */
function wireError(error: unknown): { message: string; code: string } {
  if (error instanceof ContractError) return { message: error.message, code: error.code }
  return { message: errorText(error) || 'The engine failed.', code: 'engine-error' }
}

async function answerCall(message: CallMessage): Promise<ReplyMessage> {
  try {
    const { method, args } = parseCall(message.method, message.args)
    const service = await opening
    const result = await service.call(method, args)
    return { kind: 'reply', id: message.id, ok: true, result }
  } catch (error) {
    return { kind: 'reply', id: message.id, ok: false, error: wireError(error) }
  }
}

async function answerMedia(message: MediaRequestMessage): Promise<MediaAnswer> {
  try {
    const service = await opening
    return await resolveMedia(service.media(), message.mediaKind, message.target, { method: 'GET' })
  } catch (error) {
    return { status: 500, reason: errorText(error), headers: { 'Cache-Control': 'no-store' } }
  }
}

let closing = false

async function close(): Promise<void> {
  if (closing) return
  closing = true
  try {
    await (await opening).close()
  } catch (error) {
    console.error('[engine] closing the library failed:', error)
  }
  process.exit(0)
}

parent.on('message', ({ data }) => {
  const message = data as ToEngineHost
  if (typeof message !== 'object' || message === null) return
  switch (message.kind) {
    case 'call':
      void answerCall(message).then(post)
      break
    case 'media':
      void answerMedia(message).then((answer) => post({ kind: 'media-reply', id: message.id, answer }))
      break
    case 'close':
      void close()
      break
  }
})
