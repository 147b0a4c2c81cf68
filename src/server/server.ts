/**
 * Browser mode: the built interface, its media and the engine contract served to a browser on this machine
 * only. HTTP serves the renderer (`/`, `/assets/…`) and media (`/media/thumb/<id>`, `/media/photo/<id>`); a
 * WebSocket at `/ws` carries the contract's calls, replies and events.
 *
 * Every request needs the access token printed at start (`?token=`, or the `tessera_token` cookie set when the
 * page is opened with it); it binds 127.0.0.1 only, refuses other `Host` headers (DNS rebinding), and refuses
 * every request (pages, assets, media, the WebSocket upgrade) another site makes: a foreign `Origin`, or a
 * `Sec-Fetch-Site` other than `same-origin` or `none` (an address typed or opened from outside a browser).
 *
 * Calls go through a {@link CallGate}: a bounded number run at once, a bounded queue waits, beyond it a call
 * is answered `busy` at once. Each method has a payload size limit; a client that does not read its replies
 * stops being read. Errors cross through the shared mapper (`shared/wire-errors.ts`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import fs from 'node:fs/promises'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { BusyError, CallGate, type GateConnection, type GateLimits } from '../host/call-gate.js'
import { callByteLimit } from '../shared/call-limits.js'
import { toWireError } from '../shared/wire-errors.js'
import {
  ContractError,
  parseCall,
  type CallMessage,
  type EngineApi,
  type EngineEvent,
  type EventMessage,
  type ReplyMessage,
} from '../shared/contract.js'
import type { MediaSource } from '../host/media-source.js'
import { contentTypeFor } from '../host/content-types.js'
import { isInside, resolveMedia, writeMediaResponse } from '../host/media.js'

export const TOKEN_COOKIE = 'tessera_token'
/** The drop-search image travels as base64 inside a frame. */
export const MAX_PAYLOAD_BYTES = 100 * 1024 * 1024

/** A client whose unread replies pass this stops being read until they drain below {@link RESUME_BYTES}. */
export const PAUSE_BYTES = 8 * 1024 * 1024
const RESUME_BYTES = 1024 * 1024
/** A client that lets this much pile up (events it does not read) is cut. */
export const CUT_BYTES = 64 * 1024 * 1024
/** WebSocket clients at once: each may hold a frame of up to MAX_PAYLOAD_BYTES while it arrives. */
export const MAX_CLIENTS = 8
/** HTTP connections at once (pages, assets, media streams: each may hold a file open). */
export const MAX_CONNECTIONS = 256
/** Media answers prepared at once (a converted preview holds a decoded photo). */
export const MEDIA_IN_FLIGHT = 4

export interface ServerOptions {
  service: EngineApi & { media(): MediaSource }
  /** The built renderer (`out/renderer`: index.html and assets/). */
  rendererDir: string
  host?: '127.0.0.1'
  /** 0 (default): a free port. */
  port?: number
  /** Default: 32 random bytes, base64url. Must be URL- and cookie-safe. */
  token?: string
  /** Limits of calls in flight and waiting (default `DEFAULT_GATE_LIMITS`). */
  limits?: Partial<GateLimits>
  /** Folders whose paths never cross in error messages (the library's). */
  internalDirs?: readonly string[]
  /** WebSocket clients at once (default {@link MAX_CLIENTS}); more upgrades are refused with 503. */
  maxClients?: number
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>/?token=<token>` */
  url: string
  port: number
  token: string
  /** Calls running and waiting now, refused with `busy` so far, clients, clients not read now. */
  stats(): { running: number; waiting: number; refused: number; clients: number; paused: number }
  close(): Promise<void>
}

/**
 * The page's policy in browser mode: the Electron policy (see `buildCsp` in src/main/security.ts) plus images
 * from blobs and data URLs and the WebSocket back to this server. `frame-ancestors` only works as a header.
 */
export function browserCsp(port: number, options: { header: boolean }): string {
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    ...(options.header ? ["frame-ancestors 'none'"] : []),
    "require-trusted-types-for 'script'",
    'trusted-types vue',
  ]
  return directives.join('; ')
}

const CSP_META = /<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>/i

/** The built index.html with its (Electron) CSP meta tag replaced by the browser-mode policy. */
export function rewriteCspMeta(html: string, csp: string): string {
  const tag = `<meta http-equiv="Content-Security-Policy" content="${csp}" />`
  if (CSP_META.test(html)) return html.replace(CSP_META, () => tag)
  return html.replace(/<head[^>]*>/i, (head) => `${head}\n    ${tag}`)
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Constant-time comparison (of digests, so lengths never differ). */
function sameToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token))
}

function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return []
  const values: string[] = []
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim())
  }
  return values
}

/**
 * The request's path split into decoded segments, or null when a segment is `.`/`..` or hides a separator or
 * NUL (raw or percent-encoded), or an empty one before the end: such paths are refused, never normalised.
 */
function pathSegments(rawPath: string): string[] | null {
  const segments: string[] = []
  for (const raw of rawPath.split('/').slice(1)) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return null
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null
    segments.push(segment)
  }
  // `//x` or `/a//b`: only a trailing slash may leave a segment empty.
  if (segments.slice(0, -1).includes('')) return null
  return segments
}

interface ParsedRequest {
  segments: string[]
  /** `?token=` as given; null when absent. */
  queryToken: string | null
}

function parseTarget(url: string | undefined): ParsedRequest | null {
  if (!url || !url.startsWith('/')) return null
  const q = url.indexOf('?')
  const rawPath = q === -1 ? url : url.slice(0, q)
  const segments = pathSegments(rawPath.split('#')[0]!)
  if (!segments) return null
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1))
  return { segments, queryToken: query.get('token') }
}

/**
 * Whether a request comes from this server's own pages or from outside any page: a foreign `Origin` (or
 * `null`), or a `Sec-Fetch-Site` of `cross-site` or `same-site` (another port of this host is another site's
 * page too), is refused.
 */
export function isSameOriginRequest(
  headers: IncomingMessage['headers'],
  allowedOrigins: ReadonlySet<string>,
): boolean {
  const origin = headers.origin
  if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) return false
  const site = headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  return true
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data instanceof ArrayBuffer ? data.byteLength : data.length
}

/** The call's id when the frame is refused unread: looked for in its first bytes only. */
function peekId(data: RawData): number {
  const first = Array.isArray(data) ? data[0] : data
  if (!first) return -1
  const head =
    first instanceof ArrayBuffer
      ? Buffer.from(first, 0, Math.min(256, first.byteLength))
      : first.subarray(0, 256)
  const match = /"id"\s*:\s*(\d{1,15})/.exec(head.toString('utf8'))
  return match ? Number(match[1]) : -1
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
}

const UNAUTHORIZED =
  'Unauthorized: open the address Tessera printed when it started (it carries the access token).\n'

/** Starts the browser-mode server on 127.0.0.1 and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { service } = options
  const token = options.token ?? randomBytes(32).toString('base64url')
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) throw new Error('The access token may only use A-Z a-z 0-9 . _ ~ -')
  const rendererDir = await fs.realpath(options.rendererDir)
  const bindHost = options.host ?? '127.0.0.1'
  let port = 0
  let allowedHosts = new Set<string>()
  let allowedOrigins = new Set<string>()

  const baseHeaders = (): Record<string, string> => ({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
  })

  const hostAllowed = (req: IncomingMessage): boolean =>
    allowedHosts.has((req.headers.host ?? '').toLowerCase())

  /** Valid `?token=` (when one is given, it must be right), else a valid cookie. */
  const authorized = (req: IncomingMessage, queryToken: string | null): boolean => {
    if (queryToken !== null) return sameToken(queryToken, token)
    return cookieValues(req.headers.cookie, TOKEN_COOKIE).some((v) => sameToken(v, token))
  }

  const sendText = (
    res: ServerResponse,
    status: number,
    text: string,
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      ...baseHeaders(),
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      ...extra,
    })
    res.end(res.req.method === 'HEAD' ? undefined : text)
  }

  const sendIndex = async (res: ServerResponse, setCookie: boolean): Promise<void> => {
    let html: string
    try {
      html = await fs.readFile(path.join(rendererDir, 'index.html'), 'utf8')
    } catch {
      sendText(res, 404, 'The interface is not built: run `npm run build` first.\n')
      return
    }
    const body = Buffer.from(rewriteCspMeta(html, browserCsp(port, { header: false })))
    const headers: Record<string, string> = {
      ...baseHeaders(),
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      'Content-Security-Policy': browserCsp(port, { header: true }),
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    }
    if (setCookie) headers['Set-Cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
    res.writeHead(200, headers)
    res.end(res.req.method === 'HEAD' ? undefined : body)
  }

  /** A file of the renderer folder (links must not leave it), or null. */
  const staticFile = async (segments: string[]): Promise<{ file: string; size: number } | null> => {
    try {
      const real = await fs.realpath(path.join(rendererDir, ...segments))
      if (!isInside(rendererDir, real)) return null
      const stat = await fs.stat(real)
      return stat.isFile() ? { file: real, size: stat.size } : null
    } catch {
      return null
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req)) return sendText(res, 403, 'Forbidden: unexpected Host header.\n')
    if (!isSameOriginRequest(req.headers, allowedOrigins)) {
      return sendText(res, 403, 'Forbidden: a request from another site.\n')
    }
    const target = parseTarget(req.url)
    if (!target) return sendText(res, 404, 'Not found.\n')
    if (!authorized(req, target.queryToken)) return sendText(res, 401, UNAUTHORIZED)
    const method = req.method ?? 'GET'
    const [first, ...rest] = target.segments

    if (first === 'media') {
      if (rest.length !== 2) return sendText(res, 404, 'No such media.\n')
      // Converting a preview (HEIC, TIFF) takes memory: a few at once, the others wait (at most one a
      // connection, and connections are bounded). Thumbnails are small stored files: a grid asks for
      // dozens at once, and they do not queue behind each other.
      const resolve = () => resolveMedia(service.media(), rest[0]!, rest[1]!, { method })
      const result = rest[0] === 'thumb' ? await resolve() : await mediaLane.run(0, resolve)
      return writeMediaResponse(res, result, method, baseHeaders())
    }
    if (first === 'ws' && rest.length === 0) {
      return sendText(res, 426, 'Upgrade required: this is the WebSocket endpoint.\n', {
        Upgrade: 'websocket',
      })
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return sendText(res, 405, 'Method not allowed.\n', { Allow: 'GET, HEAD' })
    }
    const isIndex =
      target.segments.length === 0 ||
      (target.segments.length === 1 && (first === '' || first === 'index.html'))
    if (isIndex) return sendIndex(res, target.queryToken !== null)

    const found = await staticFile(target.segments)
    if (found) {
      res.writeHead(200, {
        ...baseHeaders(),
        'Content-Type': contentTypeFor(found.file),
        'Content-Length': String(found.size),
        // Vite names assets by content hash.
        'Cache-Control': first === 'assets' ? 'private, max-age=31536000, immutable' : 'no-cache',
      })
      if (method === 'HEAD') return void res.end()
      return new Promise((resolve) => {
        const stream = createReadStream(found.file)
        stream.on('error', () => {
          res.destroy()
          resolve()
        })
        res.on('close', () => {
          stream.destroy()
          resolve()
        })
        stream.pipe(res)
      })
    }
    // Client-side routes load the page; missing assets (or anything with an extension) are just missing.
    const last = target.segments[target.segments.length - 1] ?? ''
    if (method === 'GET' && first !== 'assets' && !last.includes('.')) {
      return sendIndex(res, target.queryToken !== null)
    }
    return sendText(res, 404, 'Not found.\n')
  }

  const maxClients = options.maxClients ?? MAX_CLIENTS
  const mediaLane = new CallGate({
    inFlight: MEDIA_IN_FLIGHT,
    perConnectionInFlight: MEDIA_IN_FLIGHT,
    queue: MAX_CONNECTIONS,
    perConnectionQueue: MAX_CONNECTIONS,
  }).connection()
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal error.\n')
      else res.destroy()
    })
  })

  server.maxConnections = MAX_CONNECTIONS

  // ---- WebSocket ----

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES })

  const refuseUpgrade = (socket: Duplex, status: number, text: string): void => {
    const body = Buffer.from(text)
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
        'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${body.length}\r\n\r\n${text}`,
    )
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    if (!hostAllowed(req)) return refuseUpgrade(socket, 403, 'Forbidden: unexpected Host header.\n')
    const target = parseTarget(req.url)
    if (!target || target.segments.length !== 1 || target.segments[0] !== 'ws') {
      return refuseUpgrade(socket, 404, 'Not found.\n')
    }
    if (!authorized(req, target.queryToken)) return refuseUpgrade(socket, 401, UNAUTHORIZED)
    if (
      !allowedOrigins.has((req.headers.origin ?? '').toLowerCase()) ||
      !isSameOriginRequest(req.headers, allowedOrigins)
    ) {
      return refuseUpgrade(socket, 403, 'Forbidden: unexpected Origin.\n')
    }
    if (wss.clients.size >= maxClients) {
      return refuseUpgrade(socket, 503, 'Busy: too many Tessera pages are open.\n')
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const gate = new CallGate(options.limits)
  const internalDirs = options.internalDirs ?? []

  /** Sends a frame; a client that does not read its replies is not read either until they drain. */
  const sendFrame = (ws: WebSocket, frame: string): void => {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > CUT_BYTES) return void ws.terminate()
    ws.send(frame, () => {
      if (ws.isPaused && ws.bufferedAmount < RESUME_BYTES && ws.readyState === ws.OPEN) ws.resume()
    })
    if (ws.bufferedAmount > PAUSE_BYTES && !ws.isPaused) ws.pause()
  }

  const send = (ws: WebSocket, message: ReplyMessage | EventMessage): void => {
    sendFrame(ws, JSON.stringify(message))
  }

  const onFrame = async (
    ws: WebSocket,
    lane: GateConnection,
    data: RawData,
    isBinary: boolean,
  ): Promise<void> => {
    let id = -1
    const bytes = rawLength(data)
    try {
      // Nothing is parsed while the gate could not take the call anyway.
      if (lane.refuses(bytes)) {
        id = peekId(data)
        throw new BusyError()
      }
      let message: unknown
      try {
        message = JSON.parse(rawText(data))
      } catch {
        throw new ContractError('The message is not valid JSON.', 'bad-message')
      }
      const call = (typeof message === 'object' && message !== null ? message : {}) as Partial<CallMessage>
      if (typeof call.id === 'number' && Number.isSafeInteger(call.id)) id = call.id
      if (isBinary) throw new ContractError('Messages must be JSON text frames.', 'bad-message')
      if (call.kind !== 'call' || id === -1 || typeof call.method !== 'string') {
        throw new ContractError(
          'The message is not a call: expected {kind: "call", id, method, args}.',
          'bad-message',
        )
      }
      const limit = callByteLimit(call.method)
      if (bytes > limit) {
        throw new ContractError(
          `The call is too large: ${call.method} accepts at most ${limit} bytes.`,
          'payload-too-large',
        )
      }
      const parsed = parseCall(call.method, call.args)
      const result: unknown = await lane.run(bytes, () => service.call(parsed.method, parsed.args))
      send(ws, { kind: 'reply', id, ok: true, result })
    } catch (error) {
      send(ws, { kind: 'reply', id, ok: false, error: toWireError(error, { internalDirs }) })
    }
  }

  wss.on('connection', (ws: WebSocket) => {
    const lane = gate.connection()
    ws.on('error', () => ws.terminate()) // e.g. a frame above maxPayload: ws closes with 1009
    ws.on('close', () => lane.close())
    ws.on('message', (data, isBinary) => void onFrame(ws, lane, data, isBinary))
  })

  const unsubscribe = service.subscribe((event: EngineEvent) => {
    if (wss.clients.size === 0) return
    const frame = JSON.stringify({ kind: 'event', event } satisfies EventMessage)
    for (const ws of wss.clients) sendFrame(ws, frame)
  })

  // ---- listen ----

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: bindHost, port: options.port ?? 0 }, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    unsubscribe()
    wss.close()
    throw error
  }
  port = (server.address() as AddressInfo).port
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`])

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribe()
      for (const ws of wss.clients) ws.close(1001, 'Tessera is shutting down')
      // Sockets that do not finish the closing handshake promptly are cut.
      const cut = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate()
        server.closeAllConnections()
      }, 1000)
      const done = Promise.all([
        new Promise<void>((resolve) => wss.close(() => resolve())),
        new Promise<void>((resolve) => server.close(() => resolve())),
      ])
      server.closeIdleConnections()
      await done
      clearTimeout(cut)
    })()
    return closing
  }

  const stats = () => {
    const g = gate.stats()
    let paused = 0
    for (const ws of wss.clients) if (ws.isPaused) paused++
    return { running: g.running, waiting: g.waiting, refused: g.refused, clients: wss.clients.size, paused }
  }
  return { url: `http://127.0.0.1:${port}/?token=${token}`, port, token, stats, close }
}
