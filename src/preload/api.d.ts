/**
 * What the preload exposes to the renderer as `window.tessera`. Shared by the preload
 * (which `satisfies` it) and the renderer (tsconfig.web.json includes this file).
 */
export interface TesseraShellApi {
  /** `process.platform` of the machine running the app, e.g. `darwin`, `win32`, `linux`. */
  readonly platform: string
  readonly versions: { readonly electron: string; readonly chrome: string }
}

declare global {
  interface Window {
    /** Absent when the renderer runs outside Electron (a plain browser). */
    readonly tessera?: TesseraShellApi
  }
}
