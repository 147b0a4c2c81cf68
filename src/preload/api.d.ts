/**
 * What the preload exposes to the renderer as `window.tessera`. Shared by the preload (which `satisfies`
 * it), main (which answers its IPC) and the renderer (tsconfig.web.json includes this file).
 */
import type { Args, EngineEvent, MediaKind, MethodName, Results } from '../shared/contract'

/** An error the interface can show as is (a `ContractError`'s message and code, never a stack). */
export interface ShellError {
  message: string
  /** `bad-method`, `bad-args`, `forbidden`, `timeout`, `engine-crashed`, `engine-unavailable`, or an engine code. */
  code: string
}

/** The answer to a call: errors are values, so nothing but plain data crosses the process boundary. */
export type CallOutcome<T = unknown> = { ok: true; result: T } | { ok: false; error: ShellError }

/** The engine's utility process: it restarts once after a crash; a second crash leaves it `failed`. */
export interface EngineStatus {
  state: 'running' | 'restarting' | 'failed'
  /** What happened, in a sentence the interface can show; null when running normally. */
  message: string | null
}

/** What an application-menu item asks the renderer to do. */
export type MenuAction = 'add-folder' | 'open-library'

export interface TesseraShellApi {
  /** `process.platform` of the machine running the app, e.g. `darwin`, `win32`, `linux`. */
  readonly platform: string
  readonly versions: { readonly electron: string; readonly chrome: string }
  /** One contract call; main checks the sender and validates `args` against the contract before the engine sees them. */
  call<M extends MethodName>(method: M, args: Args<M>): Promise<CallOutcome<Results[M]>>
  /** Engine events (indexing progress, library changes, training…); returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void
  /** The engine process crashed and restarted, or failed for good; returns the unsubscribe function. */
  onEngineStatus(listener: (status: EngineStatus) => void): () => void
  /** Application-menu items the renderer handles (File › Add Folder…); returns the unsubscribe function. */
  onMenu(listener: (action: MenuAction) => void): () => void
  /** The native folder picker (several folders allowed); `[]` when cancelled. */
  pickFolder(): Promise<string[]>
  /** Reveals the photo's file in Finder / Explorer / the file manager; rejects with a plain message. */
  showInFolder(id: string): Promise<void>
  /** Picks another library folder; the app restarts on it. False when cancelled; rejects with a plain message. */
  chooseLibrary(): Promise<boolean>
  /** `tessera-media://media/<kind>/<encodeURIComponent(id)>`, for `<img src>`. */
  mediaUrl(kind: MediaKind, id: string): string
}

declare global {
  interface Window {
    /** Absent when the renderer runs outside Electron (a plain browser). */
    readonly tessera?: TesseraShellApi
  }
}
