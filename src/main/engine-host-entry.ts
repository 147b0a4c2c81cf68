/**
 * The engine's utility process (built as `out/main/engine-host.js`, forked by `engine-process.ts`). It opens
 * the library with `EngineService` and serves main over `process.parentPort`:
 * - `call` → validated again with `parseCall` (cheap), run within the call gate's limits (a bounded number
 *   at once, a bounded queue, `busy` beyond: `host/call-gate.ts`), answered with a `reply`; errors cross
 *   through the shared mapper (`shared/wire-errors.ts`), as in browser mode;
 * - `media` → `resolveMedia` (the same gate as the browser-mode server), answered with the checked file's
 *   path for main to stream, or the converted preview's bytes;
 * - `close` → the library is closed and the process exits;
 * - engine events are forwarded as `event` messages.
 *
 * It runs only in Electron's utility process but imports nothing from Electron: `process.parentPort` is a
 * property of the process there.
 */
import { CallGate, DEFAULT_GATE_LIMITS } from '../host/call-gate'
import { EngineService } from '../host/engine-service'
import { resolveMedia } from '../host/media'
import { payloadBytes } from '../shared/call-limits'
import { parseCall, type CallMessage, type ReplyMessage } from '../shared/contract'
import { toWireError } from '../shared/wire-errors'
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

/** Main is the only client: it may use the whole gate (its windows share it). */
const lane = new CallGate({
  perConnectionInFlight: DEFAULT_GATE_LIMITS.inFlight,
  perConnectionQueue: DEFAULT_GATE_LIMITS.queue,
  perConnectionBytes: DEFAULT_GATE_LIMITS.bytes,
}).connection()

async function answerCall(message: CallMessage): Promise<ReplyMessage> {
  try {
    const { method, args } = parseCall(message.method, message.args)
    const result = await lane.run(payloadBytes(args), async () => (await opening).call(method, args))
    return { kind: 'reply', id: message.id, ok: true, result }
  } catch (error) {
    return {
      kind: 'reply',
      id: message.id,
      ok: false,
      error: toWireError(error, { internalDirs: [libraryDir] }),
    }
  }
}

/** Media answers prepared at once (a converted preview holds a decoded photo); the others wait. */
const mediaLane = new CallGate({
  inFlight: 4,
  perConnectionInFlight: 4,
  queue: 4096,
  perConnectionQueue: 4096,
}).connection()

async function answerMedia(message: MediaRequestMessage): Promise<MediaAnswer> {
  try {
    const service = await opening
    return await mediaLane.run(0, () =>
      resolveMedia(service.media(), message.mediaKind, message.target, { method: 'GET' }),
    )
  } catch (error) {
    const wire = toWireError(error, { internalDirs: [libraryDir] })
    return {
      status: wire.code === 'busy' ? 503 : 500,
      reason: wire.message,
      headers: { 'Cache-Control': 'no-store' },
    }
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
