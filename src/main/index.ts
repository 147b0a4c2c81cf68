/**
 * Composition root of the Electron shell: security first, then the renderer protocol, then the window.
 */
import { join } from 'node:path'
import { app, BrowserWindow, protocol, session, shell } from 'electron'
import { createAppProtocolHandler } from './app-protocol'
import { APP_ENTRY_URL, APP_SCHEME, buildCsp, denyAllPermissions, hardenWebContents } from './security'
import { createMainWindow } from './window'

const preloadPath = join(import.meta.dirname, '../preload/index.cjs')
const rendererDir = join(import.meta.dirname, '../renderer')
/** Set by `electron-vite dev`; a packaged app always loads its own files. */
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL']

// Both must happen before `ready`.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
])
app.enableSandbox()

function openWindow(): BrowserWindow {
  return createMainWindow({ preloadPath, url: devServerUrl ?? APP_ENTRY_URL })
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows()
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

  app
    .whenReady()
    .then(() => {
      denyAllPermissions(session.defaultSession)
      protocol.handle(APP_SCHEME, createAppProtocolHandler({ rootDir: rendererDir, csp: buildCsp() }))
      openWindow()
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) openWindow()
      })
    })
    .catch((error: unknown) => {
      console.error('Tessera failed to start:', error)
      app.exit(1)
    })
}
