/**
 * Sandboxed preload, built as CommonJS (`out/preload/index.cjs`). It exposes named, frozen functions only:
 * never `ipcRenderer`, an `IpcRendererEvent` or any other Electron object. Everything it forwards is checked
 * again in main (sender, method, arguments), so the checks here only give early, readable errors.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { CHANNELS, MENU_ACTIONS } from '../main/ipc-channels'
import { buildMediaUrl } from '../main/media-url'
import type { EngineEvent, MediaKind } from '../shared/contract'
import type { CallOutcome, EngineStatus, MenuAction, TesseraShellApi } from './api'

/** Subscribes to a main → renderer channel, handing the listener the payload only. */
function subscribe<T>(
  channel: string,
  listener: (payload: T) => void,
  accept?: (payload: unknown) => boolean,
) {
  if (typeof listener !== 'function') throw new TypeError('The listener must be a function.')
  const forward = (_event: IpcRendererEvent, payload: unknown): void => {
    if (accept && !accept(payload)) return
    listener(payload as T)
  }
  ipcRenderer.on(channel, forward)
  return (): void => {
    ipcRenderer.removeListener(channel, forward)
  }
}

/** Unwraps a native-handle outcome: the result, or an Error with main's plain message. */
async function unwrap<T>(outcome: Promise<CallOutcome<T>>): Promise<T> {
  const answer = await outcome
  if (answer.ok) return answer.result
  throw new Error(answer.error.message)
}

const api = Object.freeze({
  platform: process.platform,
  versions: Object.freeze({ electron: process.versions.electron, chrome: process.versions.chrome }),

  call(method: string, args: unknown): Promise<CallOutcome<never>> {
    if (typeof method !== 'string') {
      return Promise.resolve({
        ok: false,
        error: { message: 'The method must be a string.', code: 'bad-method' },
      })
    }
    return ipcRenderer.invoke(CHANNELS.call, method, args) as Promise<CallOutcome<never>>
  },

  onEvent: (listener: (event: EngineEvent) => void) => subscribe(CHANNELS.event, listener),

  onEngineStatus: (listener: (status: EngineStatus) => void) => subscribe(CHANNELS.engineStatus, listener),

  onMenu: (listener: (action: MenuAction) => void) =>
    subscribe(CHANNELS.menu, listener, (action) => (MENU_ACTIONS as readonly unknown[]).includes(action)),

  pickFolder: (): Promise<string[]> =>
    unwrap(ipcRenderer.invoke(CHANNELS.pickFolder) as Promise<CallOutcome<string[]>>),

  showInFolder: (id: string): Promise<void> =>
    unwrap(ipcRenderer.invoke(CHANNELS.showInFolder, id) as Promise<CallOutcome<void>>),

  chooseLibrary: (): Promise<boolean> =>
    unwrap(ipcRenderer.invoke(CHANNELS.chooseLibrary) as Promise<CallOutcome<boolean>>),

  mediaUrl: (kind: MediaKind, id: string): string => buildMediaUrl(kind, id),
}) satisfies TesseraShellApi

contextBridge.exposeInMainWorld('tessera', api)
