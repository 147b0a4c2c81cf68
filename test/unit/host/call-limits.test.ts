import { describe, expect, it } from 'vitest'
import { callByteLimit, DEFAULT_CALL_BYTES, payloadBytes } from '../../../src/shared/call-limits'

describe('call limits', () => {
  it('gives each method its limit, the default to the others and to unknown names', () => {
    expect(callByteLimit('search.image')).toBeGreaterThan(80_000_000)
    expect(callByteLimit('albums.import')).toBeGreaterThan(50_000_000)
    expect(callByteLimit('trash.photos')).toBeGreaterThan(1_000_000 * 39)
    expect(callByteLimit('library.status')).toBe(DEFAULT_CALL_BYTES)
    for (const name of ['nope', '__proto__', 'constructor', 'toString']) {
      expect(callByteLimit(name)).toBe(DEFAULT_CALL_BYTES)
    }
  })

  it('measures arguments about as JSON does, and stops counting past the cap', () => {
    const args = [['/home/ada/Pictures', '/mnt/photos'], { confirm: true }]
    const json = JSON.stringify(args).length
    expect(payloadBytes(args)).toBeGreaterThanOrEqual(json * 0.8)
    expect(payloadBytes(args)).toBeLessThanOrEqual(json * 2)
    expect(payloadBytes([{ base64: 'x'.repeat(1_000_000) }])).toBeGreaterThan(1_000_000)
    expect(payloadBytes([new Uint8Array(5000)])).toBeGreaterThanOrEqual(5000)
    const huge = Array.from({ length: 1_000_000 }, () => 'a')
    expect(payloadBytes(huge, 1000)).toBeGreaterThan(1000) // past the cap: stopped there
    expect(payloadBytes(huge)).toBeGreaterThan(3_000_000)
  })
})
