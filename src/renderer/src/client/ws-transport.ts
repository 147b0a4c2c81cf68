import type {
  CallMessage,
  EngineEvent,
  EventMessage,
  MediaKind,
  ReplyMessage,
} from '../../../shared/contract'
import { EngineError, type Transport } from './transport'

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/**
 * Browser mode: one WebSocket to the local server (the access token travels in the cookie the server
 * set when the page was opened with `?token=`). Calls made while it is down wait for the reconnection;
 * calls in flight when it drops fail with a plain error.
 */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket' as const
  private socket: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly queue: string[] = []
  private readonly eventListeners = new Set<(event: EngineEvent) => void>()
  private readonly connectionListeners = new Set<(connected: boolean) => void>()
  private retryMs = 250

  constructor(private readonly url: string) {
    this.connect()
  }

  private connect(): void {
    const socket = new WebSocket(this.url)
    this.socket = socket
    socket.onopen = () => {
      this.retryMs = 250
      for (const frame of this.queue.splice(0)) socket.send(frame)
      for (const l of this.connectionListeners) l(true)
    }
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as ReplyMessage | EventMessage
      if (data.kind === 'event') {
        for (const l of this.eventListeners) l(data.event)
        return
      }
      const waiting = this.pending.get(data.id)
      if (!waiting) return
      this.pending.delete(data.id)
      if (data.ok) waiting.resolve(data.result)
      else waiting.reject(new EngineError(data.error.message, data.error.code))
    }
    socket.onclose = () => {
      this.socket = null
      for (const [id, waiting] of this.pending) {
        waiting.reject(
          new EngineError('Lost the connection to Tessera. Is it still running?', 'disconnected'),
        )
        this.pending.delete(id)
      }
      for (const l of this.connectionListeners) l(false)
      setTimeout(() => this.connect(), this.retryMs)
      this.retryMs = Math.min(this.retryMs * 2, 5000)
    }
  }

  request(method: string, args: unknown[]): Promise<unknown> {
    const id = this.nextId++
    const frame = JSON.stringify({ kind: 'call', id, method, args } satisfies CallMessage)
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(frame)
      else this.queue.push(frame)
    })
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.connectionListeners.add(listener)
    return () => this.connectionListeners.delete(listener)
  }

  mediaUrl(kind: MediaKind, id: string): string {
    return `/media/${kind}/${encodeURIComponent(id)}`
  }
}
