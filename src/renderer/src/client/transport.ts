import type { EngineEvent, MediaKind } from '../../../shared/contract'

/** How an EngineClient reaches the engine host: Electron IPC or the browser-mode WebSocket. */
export interface Transport {
  readonly kind: 'ipc' | 'websocket'
  /** Resolves with the result, or rejects with an EngineError carrying the host's plain message. */
  request(method: string, args: unknown[]): Promise<unknown>
  onEvent(listener: (event: EngineEvent) => void): () => void
  /** The URL an <img> loads a thumbnail or photo from. */
  mediaUrl(kind: MediaKind, id: string): string
  /** Connection state, for the "reconnecting…" banner (IPC is always connected). */
  onConnection(listener: (connected: boolean) => void): () => void
}

/** An error from the engine, with the contract's code (e.g. 'no-text-tower', 'bad-args', 'not-found'). */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = 'EngineError'
  }
}
