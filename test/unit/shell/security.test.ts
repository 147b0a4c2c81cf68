import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import type { Session, WebContents } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import {
  buildCsp,
  denyAllPermissions,
  hardenWebContents,
  isAllowedExternalUrl,
  secureWebPreferences,
  withCspMeta,
} from '../../../src/main/security'

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/)
      return [name, values]
    }),
  )
}

describe('buildCsp', () => {
  it('denies by default and allows only the app origin for scripts and styles', () => {
    const csp = directives(buildCsp())
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('style-src')).toEqual(["'self'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('form-action')).toEqual(["'none'"])
    expect(csp.get('require-trusted-types-for')).toEqual(["'script'"])
    expect(csp.has('connect-src')).toBe(false)
  })

  it('allows images from the app, the media protocol and the blob:/data: URLs the page makes', () => {
    for (const csp of [buildCsp(), buildCsp({ dev: true })]) {
      expect(directives(csp).get('img-src')).toEqual(["'self'", 'tessera-media:', 'blob:', 'data:'])
    }
  })

  it('never allows inline, eval, blob: or data: scripts, not even in dev', () => {
    for (const csp of [buildCsp(), buildCsp({ dev: true })]) {
      expect(csp).not.toMatch(/unsafe-eval|unsafe-hashes|\*;/)
      expect(directives(csp).get('script-src')).toEqual(["'self'"])
      // data: and blob: appear for images only.
      for (const [name, values] of directives(csp)) {
        if (name === 'img-src') continue
        expect(values, name).not.toContain('data:')
        expect(values, name).not.toContain('blob:')
      }
    }
  })

  it('relaxes only styles and the HMR socket for the dev server', () => {
    const csp = directives(buildCsp({ dev: true }))
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"])
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws://localhost:*', 'ws://127.0.0.1:*'])
  })

  it('is the policy the build writes into the renderer index.html', () => {
    const html = readFileSync(new URL('../../../src/renderer/index.html', import.meta.url), 'utf8')
    const built = withCspMeta(html, buildCsp())
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(built)
    expect(meta?.[1]).toBe(buildCsp())
  })
})

describe('withCspMeta', () => {
  const page = (content: string) =>
    `<head><meta http-equiv="Content-Security-Policy" content="${content}" /><title>t</title></head>`

  it('replaces only the meta tag content', () => {
    expect(withCspMeta(page("default-src 'self'"), "default-src 'none'")).toBe(page("default-src 'none'"))
  })

  it('refuses a page without the meta tag', () => {
    expect(() => withCspMeta('<head><title>t</title></head>', "default-src 'none'")).toThrow(/meta tag/)
  })

  it('takes the policy literally (no $-patterns)', () => {
    expect(withCspMeta(page('x'), "img-src 'self' $1 $&")).toBe(page("img-src 'self' $1 $&"))
  })
})

describe('isAllowedExternalUrl', () => {
  it.each(['https://example.com', 'http://example.com/a?b=c#d', 'https://sub.example.org:8443/path'])(
    'allows %s',
    (url) => expect(isAllowedExternalUrl(url)).toBe(true),
  )

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'app://tessera/index.html',
    'smb://server/share',
    'ms-msdt:/id',
    'ftp://example.com',
    'https://user:secret@example.com',
    'https://user@example.com',
    'http://',
    'not a url',
    '',
  ])('refuses %s', (url) => expect(isAllowedExternalUrl(url)).toBe(false))
})

describe('secureWebPreferences', () => {
  it('sandboxes and isolates the page', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
  })
})

/** Just enough of WebContents for the hardening: an emitter plus the window-open handler. */
class FakeContents extends EventEmitter {
  openHandler?: (details: { url: string }) => { action: string }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler
  }
  /** Emits an Electron-style event and reports whether the listener prevented it. */
  fire(name: string, url = ''): boolean {
    let prevented = false
    this.emit(name, { url, preventDefault: () => (prevented = true) })
    return prevented
  }
}

function harden() {
  const contents = new FakeContents()
  const openExternal = vi.fn((_url: string) => Promise.resolve())
  const warn = vi.fn()
  hardenWebContents(contents as unknown as WebContents, { openExternal, warn })
  return { contents, openExternal, warn }
}

describe('hardenWebContents', () => {
  it('denies every new window and opens only http(s) URLs outside', () => {
    const { contents, openExternal } = harden()
    expect(contents.openHandler?.({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' })
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(openExternal.mock.calls).toEqual([['https://example.com/docs']])
  })

  it('blocks navigation, sending http(s) targets to the system browser', () => {
    const { contents, openExternal } = harden()
    expect(contents.fire('will-navigate', 'https://example.com')).toBe(true)
    expect(contents.fire('will-navigate', 'file:///home/me/photo.jpg')).toBe(true)
    expect(contents.fire('will-navigate', 'app://tessera/other.html')).toBe(true)
    expect(openExternal.mock.calls).toEqual([['https://example.com']])
  })

  it('blocks redirects and webviews', () => {
    const { contents, openExternal, warn } = harden()
    expect(contents.fire('will-redirect', 'https://example.com')).toBe(true)
    expect(contents.fire('will-attach-webview')).toBe(true)
    expect(openExternal).not.toHaveBeenCalled()
    expect(warn).toHaveBeenCalledTimes(2)
  })

  it('reports a failing openExternal instead of leaving an unhandled rejection', async () => {
    const contents = new FakeContents()
    const warn = vi.fn()
    const openExternal = vi.fn(() => Promise.reject(new Error('no browser')))
    hardenWebContents(contents as unknown as WebContents, { openExternal, warn })
    contents.openHandler?.({ url: 'https://example.com' })
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.stringContaining('no browser')))
  })
})

describe('denyAllPermissions', () => {
  it('refuses requests and checks', () => {
    const handlers: Record<string, (...args: unknown[]) => unknown> = {}
    const session = {
      setPermissionRequestHandler: (h: (...args: unknown[]) => unknown) => (handlers['request'] = h),
      setPermissionCheckHandler: (h: (...args: unknown[]) => unknown) => (handlers['check'] = h),
      setDevicePermissionHandler: (h: (...args: unknown[]) => unknown) => (handlers['device'] = h),
    }
    denyAllPermissions(session as unknown as Session)
    const callback = vi.fn()
    handlers['request']?.({}, 'media', callback)
    expect(callback).toHaveBeenCalledWith(false)
    expect(handlers['check']?.({}, 'notifications')).toBe(false)
    expect(handlers['device']?.({})).toBe(false)
  })
})
