import type { EngineEvent, MediaKind } from '../../../shared/contract'
import { EngineError, type Transport } from './transport'

/** The part of the preload's `window.tessera` the interface uses (declared in src/preload/api.d.ts). */
export interface PreloadEngineApi {
  call(
    method: string,
    args: unknown,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: { message: string; code: string } }>
  onEvent(listener: (event: EngineEvent) => void): () => void
  mediaUrl(kind: MediaKind, id: string): string
  pickFolder?(): Promise<string[]>
  showInFolder?(id: string): Promise<void>
  onMenu?(listener: (action: string) => void): () => void
  chooseLibrary?(): Promise<boolean>
  onEngineStatus?(
    listener: (status: { state: 'running' | 'restarting' | 'failed'; message: string | null }) => void,
  ): () => void
}

/** `window.tessera` when this page runs in Tessera's Electron window and the preload has the engine API. */
export function preloadApi(): PreloadEngineApi | null {
  const api = (window as unknown as { tessera?: Partial<PreloadEngineApi> }).tessera
  return api && typeof api.call === 'function' ? (api as PreloadEngineApi) : null
}

/** Electron: the preload's named methods; the main process validates and relays to the engine host. */
export class IpcTransport implements Transport {
  readonly kind = 'ipc' as const
  constructor(private readonly api: PreloadEngineApi) {}

  async request(method: string, args: unknown[]): Promise<unknown> {
    const reply = await this.api.call(method, args)
    if (reply.ok) return reply.result
    throw new EngineError(reply.error.message, reply.error.code)
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    return this.api.onEvent(listener)
  }

  /** The engine's utility process: down while it restarts after a crash. */
  onConnection(listener: (connected: boolean) => void): () => void {
    return this.api.onEngineStatus?.((status) => listener(status.state === 'running')) ?? (() => {})
  }

  mediaUrl(kind: MediaKind, id: string): string {
    return this.api.mediaUrl(kind, id)
  }
}
