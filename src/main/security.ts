/**
 * Security policy of the Electron shell. The policies are pure functions (unit-tested in
 * `test/unit/shell/security.test.ts`); the `harden*`/`deny*` helpers attach them to Electron objects
 * that are passed in, so this module never imports Electron at runtime and the build config can reuse
 * {@link buildCsp}.
 */
import type { Session, WebContents, WebPreferences } from 'electron'
import { MEDIA_SCHEME } from './media-url'

/** Privileged scheme that serves the built renderer (see `app-protocol.ts`); avoids the broad `file://` origin. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'tessera'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

export interface CspOptions {
  /**
   * Relax the policy for the Vite dev server: Vite injects component styles as `<style>` tags and
   * talks to its HMR server over a WebSocket. Never set this for a packaged build.
   */
  dev?: boolean
}

/**
 * The renderer's Content-Security-Policy: nothing is allowed unless listed. Scripts and styles
 * come only from the app's own origin, Vue's DOM writes go through its Trusted Types policy `vue`,
 * and there is no `connect-src` because the renderer reaches the engine through the preload only.
 * Images may also come from the media protocol (thumbnails and photos by id) and from `blob:`/`data:`
 * URLs the renderer makes itself (a dropped query image); scripts never may.
 *
 * @example
 * buildCsp() // "default-src 'none'; script-src 'self'; ..."
 */
export function buildCsp(options: CspOptions = {}): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'none'"],
    ['script-src', "'self'"],
    ['style-src', "'self'", ...(options.dev ? ["'unsafe-inline'"] : [])],
    ['img-src', "'self'", `${MEDIA_SCHEME}:`, 'blob:', 'data:'],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
  ]
  if (options.dev) {
    directives.push(['connect-src', "'self'", 'ws://localhost:*', 'ws://127.0.0.1:*'])
  } else {
    directives.push(['require-trusted-types-for', "'script'"], ['trusted-types', 'vue'])
  }
  return directives.map((d) => d.join(' ')).join('; ')
}

const CSP_META = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/

/**
 * Writes `csp` into the page's `<meta http-equiv="Content-Security-Policy">` tag, so the built page carries
 * exactly {@link buildCsp}'s policy. Throws when the tag is missing: no page ships without a policy.
 */
export function withCspMeta(html: string, csp: string): string {
  if (!CSP_META.test(html)) throw new Error('The page lost its Content-Security-Policy meta tag.')
  return html.replace(CSP_META, (_match, start: string, end: string) => `${start}${csp}${end}`)
}

/**
 * Whether a URL the page asked to open may be handed to the operating system's browser: only
 * well-formed http(s) URLs with a host and without embedded credentials. Everything else
 * (`file:`, `javascript:`, `data:`, custom schemes, garbage) is refused.
 */
export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false
  if (parsed.hostname === '') return false
  return parsed.username === '' && parsed.password === ''
}

/** The webPreferences of every Tessera window: sandboxed, isolated, no Node in the page. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
  }
}

export interface HardenDeps {
  /** `shell.openExternal` in the app; a fake in tests. */
  openExternal: (url: string) => Promise<void>
  /** Where refused or failed requests are reported. */
  warn?: (message: string) => void
}

/**
 * Locks a web contents in place: it cannot open windows, navigate, follow redirects or attach
 * `<webview>`s. http(s) links the page tries to open (new window or navigation) go to the
 * system browser instead.
 */
export function hardenWebContents(contents: WebContents, deps: HardenDeps): void {
  const warn = deps.warn ?? ((message: string) => console.warn(message))
  const openOutside = (url: string): void => {
    if (!isAllowedExternalUrl(url)) {
      warn(`[security] refused to open ${JSON.stringify(url)}`)
      return
    }
    deps
      .openExternal(url)
      .catch((error: unknown) => warn(`[security] could not open ${url}: ${String(error)}`))
  }

  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event) => {
    event.preventDefault()
    openOutside(event.url)
  })
  contents.on('will-redirect', (event) => {
    event.preventDefault()
    warn(`[security] blocked redirect to ${JSON.stringify(event.url)}`)
  })
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    warn('[security] blocked <webview>')
  })
}

/** Refuses every permission request and check (camera, notifications, geolocation, HID, ...). */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}
