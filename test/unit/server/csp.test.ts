import { describe, expect, it } from 'vitest'
import { browserCsp, rewriteCspMeta } from '../../../src/server/server.js'

describe('browser-mode CSP', () => {
  it('adds blob/data images and the WebSocket back to the server, keeping Trusted Types', () => {
    const csp = browserCsp(4321, { header: true })
    expect(csp).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
        "connect-src 'self' ws://127.0.0.1:4321 ws://localhost:4321; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types vue",
    )
    expect(browserCsp(4321, { header: false })).toBe(csp.replace(" frame-ancestors 'none';", ''))
  })

  it('replaces the meta tag, whatever its layout', () => {
    const html = `<head>\n<meta\n  http-equiv='Content-Security-Policy'\n  content="default-src 'none'"\n/>\n<title>t</title></head>`
    const out = rewriteCspMeta(html, "default-src 'self'")
    expect(out).toBe(
      `<head>\n<meta http-equiv="Content-Security-Policy" content="default-src 'self'" />\n<title>t</title></head>`,
    )
  })

  it('adds the meta tag when the page has none', () => {
    const out = rewriteCspMeta('<html><head lang="en"><title>t</title></head></html>', "default-src 'none'")
    expect(out).toContain(
      `<head lang="en">\n    <meta http-equiv="Content-Security-Policy" content="default-src 'none'" />`,
    )
  })
})
