/**
 * Registers main's IPC handlers. Every handler first checks the sender (`isTrustedSender`): only the top
 * frame of a Tessera window showing the app's own page is answered. Calls are validated against the
 * contract before they reach the engine; answers and errors are plain values (`CallOutcome`).
 */
import { BrowserWindow, dialog, ipcMain, shell, type IpcMainInvokeEvent } from 'electron'
import type { CallOutcome } from '../preload/api'
import type { EngineBridge } from './engine-bridge'
import { CHANNELS } from './ipc-channels'
import {
  FORBIDDEN,
  handleCall,
  isTrustedSender,
  outcome,
  parseNativeArgs,
  type SenderInfo,
} from './ipc-policy'

export interface IpcOptions {
  bridge: EngineBridge
  /** Whether a window is one of Tessera's own (created by `createMainWindow`). */
  isTesseraWindow: (window: BrowserWindow) => boolean
  /** The Vite dev server's URL in `electron-vite dev`; undefined in a packaged or previewed app. */
  devServerUrl?: string
  /** Remembers another library folder and restarts the app on it. */
  switchLibrary: (libraryDir: string) => Promise<void>
  warn?: (message: string) => void
}

/** What main knows about the sender of an invoke, for `isTrustedSender`. */
export function senderInfo(
  event: IpcMainInvokeEvent,
  isTesseraWindow: (w: BrowserWindow) => boolean,
): SenderInfo {
  let frameUrl: string | null = null
  let isMainFrame = false
  try {
    const frame = event.senderFrame
    if (frame) {
      frameUrl = frame.url
      isMainFrame = frame.parent === null
    }
  } catch {
    // The frame was disposed while the message was in flight: not trusted.
  }
  const window = BrowserWindow.fromWebContents(event.sender)
  return { frameUrl, isMainFrame, isTesseraWindow: window !== null && isTesseraWindow(window) }
}

export function registerIpc(options: IpcOptions): () => void {
  const warn = options.warn ?? ((message: string) => console.warn(message))

  /** Registers an invoke handler that answers only trusted senders. */
  const handle = (
    channel: string,
    run: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<CallOutcome>,
  ) => {
    ipcMain.handle(channel, async (event, ...args: unknown[]): Promise<CallOutcome> => {
      const sender = senderInfo(event, options.isTesseraWindow)
      if (!isTrustedSender(sender, options.devServerUrl)) {
        warn(`[ipc] refused ${channel} from ${JSON.stringify(sender.frameUrl)}`)
        return { ok: false, error: FORBIDDEN }
      }
      return run(event, ...args)
    })
  }

  handle(CHANNELS.call, (_event, method, args) => handleCall(options.bridge, method, args))

  handle(CHANNELS.pickFolder, (event, ...args) =>
    outcome(async () => {
      parseNativeArgs('pickFolder', args)
      const window = BrowserWindow.fromWebContents(event.sender)
      const dialogOptions: Electron.OpenDialogOptions = {
        title: 'Add folders to Tessera',
        buttonLabel: 'Add',
        properties: ['openDirectory', 'multiSelections', 'createDirectory'],
      }
      const chosen = window
        ? await dialog.showOpenDialog(window, dialogOptions)
        : await dialog.showOpenDialog(dialogOptions)
      return chosen.canceled ? [] : chosen.filePaths
    }),
  )

  handle(CHANNELS.showInFolder, (_event, ...args) =>
    outcome(async () => {
      const [id] = parseNativeArgs('showInFolder', args)
      const photo = await options.bridge.call('library.photo', [id])
      shell.showItemInFolder(photo.path)
    }),
  )

  handle(CHANNELS.chooseLibrary, (event, ...args) =>
    outcome(async () => {
      parseNativeArgs('chooseLibrary', args)
      const window = BrowserWindow.fromWebContents(event.sender)
      const dialogOptions: Electron.OpenDialogOptions = {
        title: 'Open another Tessera library',
        message: 'Choose an existing library folder, or an empty folder for a new library.',
        buttonLabel: 'Open Library',
        properties: ['openDirectory', 'createDirectory'],
      }
      const chosen = window
        ? await dialog.showOpenDialog(window, dialogOptions)
        : await dialog.showOpenDialog(dialogOptions)
      if (chosen.canceled || !chosen.filePaths[0]) return false
      await options.switchLibrary(chosen.filePaths[0])
      return true
    }),
  )

  return () => {
    for (const channel of [CHANNELS.call, CHANNELS.pickFolder, CHANNELS.showInFolder, CHANNELS.chooseLibrary])
      ipcMain.removeHandler(channel)
  }
}
