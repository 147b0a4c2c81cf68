/**
 * Sandboxed preload, built as CommonJS (`out/preload/index.cjs`). It exposes named, frozen values
 * only: never `ipcRenderer` or other Electron objects.
 */
import { contextBridge } from 'electron'
import type { TesseraShellApi } from './api'

const api = Object.freeze({
  platform: process.platform,
  versions: Object.freeze({ electron: process.versions.electron, chrome: process.versions.chrome }),
}) satisfies TesseraShellApi

contextBridge.exposeInMainWorld('tessera', api)
