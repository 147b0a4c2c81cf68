/**
 * Composition root of the Electron shell: security first, then the protocols, the engine's utility process,
 * IPC, the menu and the window. Main itself does no engine work: ONNX, LanceDB and sharp run in the engine
 * host (`engine-host-entry.ts`), so the UI's event loop is never held.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, Menu, protocol, session, shell } from 'electron'
import { chooseLibraryDir, writeLibraryChoice } from './library-choice'
import type { EngineStatus, MenuAction } from '../preload/api'
import { createAppProtocolHandler } from './app-protocol'
import { EngineBridge } from './engine-bridge'
import { forkEngineHost } from './engine-process'
import { CHANNELS } from './ipc-channels'
import { registerIpc } from './ipc'
import { createMediaProtocolHandler } from './media-protocol'
import { MEDIA_SCHEME } from './media-url'
import { menuTemplate } from './menu'
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  buildCsp,
  denyAllPermissions,
  hardenWebContents,
  isAllowedExternalUrl,
} from './security'
import { createMainWindow } from './window'

const preloadPath = join(import.meta.dirname, '../preload/index.cjs')
const rendererDir = join(import.meta.dirname, '../renderer')
const engineHostPath = join(import.meta.dirname, 'engine-host.js')
/** Set by `electron-vite dev`; a packaged app always loads its own files. */
const devServerUrl = (!app.isPackaged && process.env['ELECTRON_RENDERER_URL']) || undefined
// A separate profile (window state, caches, the single-instance lock) for tests that run the app side by side.
const userDataDir = process.env['TESSERA_USER_DATA']
if (userDataDir) app.setPath('userData', userDataDir)

/**
 * `TESSERA_LIBRARY`, else the library last opened with "Open Another Library…", else the per-user
 * app-data folder the `tessera` CLI uses too (engine/library/paths.ts).
 */
const libraryDir = chooseLibraryDir(app.getPath('userData'), process.env)

/** Remembers the new library and restarts on it (the engine host closes the current one cleanly on quit). */
async function switchLibrary(dir: string): Promise<void> {
  if (process.env['TESSERA_LIBRARY'])
    throw new Error("This session's library is set by TESSERA_LIBRARY: unset it to choose another library.")
  writeLibraryChoice(app.getPath('userData'), dir)
  app.relaunch()
  app.quit()
}

// Both must happen before `ready`.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
])
app.enableSandbox()

/** Tessera's own windows: the only ones IPC answers and events go to. */
const windows = new Set<BrowserWindow>()

function broadcast(channel: string, payload: unknown): void {
  for (const window of windows) {
    if (!window.isDestroyed()) window.webContents.send(channel, payload)
  }
}

const bridge = new EngineBridge({
  spawn: () => forkEngineHost({ entry: engineHostPath, libraryDir }),
  onEvent: (event) => broadcast(CHANNELS.event, event),
  onStatus: (status: EngineStatus) => broadcast(CHANNELS.engineStatus, status),
})

function openWindow(): BrowserWindow {
  const window = createMainWindow({ preloadPath, url: devServerUrl ?? APP_ENTRY_URL })
  windows.add(window)
  window.on('closed', () => windows.delete(window))
  // A window opened after the engine failed learns it at once.
  window.webContents.on('did-finish-load', () => {
    if (bridge.status.state !== 'running') window.webContents.send(CHANNELS.engineStatus, bridge.status)
  })
  return window
}

function sendMenuAction(action: MenuAction): void {
  const focused = BrowserWindow.getFocusedWindow()
  const target = focused && windows.has(focused) ? focused : [...windows][0]
  target?.webContents.send(CHANNELS.menu, action)
}

/** package.json's `homepage`, for Help › Tessera on the Web (none yet: then there is no such item). */
function projectUrl(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(app.getAppPath(), 'package.json'), 'utf8')) as {
      homepage?: unknown
    }
    return typeof pkg.homepage === 'string' ? pkg.homepage : undefined
  } catch {
    return undefined
  }
}

function installMenu(): void {
  const template = menuTemplate({
    appName: 'Tessera',
    platform: process.platform,
    dev: devServerUrl !== undefined,
    send: sendMenuAction,
    openExternal: (url) => {
      if (isAllowedExternalUrl(url)) void shell.openExternal(url)
    },
    projectUrl: projectUrl(),
  })
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const [window] = windows
    if (window) {
      if (window.isMinimized()) window.restore()
      window.focus()
    }
  })

  // Every web contents, present or future (devtools, popups that slip through), gets the same locks.
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, { openExternal: (url) => shell.openExternal(url) })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // The engine closes its library (LanceDB, the journals) before the app exits.
  let engineClosed = false
  app.on('will-quit', (event) => {
    if (engineClosed) return
    event.preventDefault()
    void bridge.close().finally(() => {
      engineClosed = true
      app.quit()
    })
  })

  registerIpc({ bridge, isTesseraWindow: (window) => windows.has(window), devServerUrl, switchLibrary })

  app
    .whenReady()
    .then(() => {
      denyAllPermissions(session.defaultSession)
      protocol.handle(APP_SCHEME, createAppProtocolHandler({ rootDir: rendererDir, csp: buildCsp() }))
      protocol.handle(
        MEDIA_SCHEME,
        createMediaProtocolHandler({ resolve: (kind, id) => bridge.media(kind, id) }),
      )
      bridge.start()
      installMenu()
      openWindow()
      app.on('activate', () => {
        if (windows.size === 0) openWindow()
      })
    })
    .catch((error: unknown) => {
      console.error('Tessera failed to start:', error)
      app.exit(1)
    })
}
