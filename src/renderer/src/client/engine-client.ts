import type { Args, EngineEvent, MediaKind, MethodName, Results } from '../../../shared/contract'
import { CallPacer } from './call-pacer'
import { IpcTransport, preloadApi } from './ipc-transport'
import type { Transport } from './transport'
import { WebSocketTransport } from './ws-transport'

export { EngineError } from './transport'

/**
 * The interface's only way to the engine: the typed contract, over whichever transport this window has.
 * Arguments are validated again by the host; here the types keep the interface honest.
 */
export class EngineClient {
  constructor(
    readonly transport: Transport,
    private readonly pacer = new CallPacer(),
  ) {}

  call<M extends MethodName>(method: M, ...args: Args<M>): Promise<Results[M]> {
    // An optional argument left undefined is left out: JSON (and structured clone over IPC) would
    // otherwise send it as null, which the contract refuses for an optional argument.
    const sent: unknown[] = [...args]
    while (sent.length > 0 && sent[sent.length - 1] === undefined) sent.pop()
    return this.pacer.run(() => this.transport.request(method, sent)) as Promise<Results[M]>
  }

  on(listener: (event: EngineEvent) => void): () => void {
    return this.transport.onEvent(listener)
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    return this.transport.onConnection(listener)
  }

  thumbUrl(id: string): string {
    return this.transport.mediaUrl('thumb' satisfies MediaKind, id)
  }

  photoUrl(id: string): string {
    return this.transport.mediaUrl('photo' satisfies MediaKind, id)
  }

  /** Native folder picker (Electron only); null when this host has none (browser mode: type a path). */
  get pickFolder(): (() => Promise<string[]>) | null {
    const api = preloadApi()
    return api?.pickFolder ? () => api.pickFolder!() : null
  }

  get showInFolder(): ((id: string) => Promise<void>) | null {
    const api = preloadApi()
    return api?.showInFolder ? (id: string) => api.showInFolder!(id) : null
  }
}

/** Electron when the preload is there, else the browser-mode server this page came from. */
export function connectEngine(): EngineClient {
  const api = preloadApi()
  if (api) return new EngineClient(new IpcTransport(api))
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return new EngineClient(new WebSocketTransport(`${scheme}//${location.host}/ws`))
}
