import { describe, expect, it } from 'vitest'
import {
  escapeName,
  isEscapedName,
  isValidUtf8,
  lossyMatches,
  lossyName,
  ODD_NAMES_IN_FOLDER,
  unescapeName,
} from '../../../src/engine/scan/names.js'

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))))

describe('names that are not valid UTF-8', () => {
  it('are told apart from valid ones (a real U+FFFD included)', () => {
    expect(isValidUtf8(bytes('café.jpg'))).toBe(true)
    expect(isValidUtf8(bytes('a\uFFFDb.jpg'))).toBe(true)
    expect(isValidUtf8(bytes('caf', [0xe9], '.jpg'))).toBe(false)
    expect(isValidUtf8(bytes([0xc0, 0xaf]))).toBe(false) // overlong "/"
    expect(isValidUtf8(bytes([0xed, 0xa0, 0x80]))).toBe(false) // a surrogate
  })

  it('are shown with their bad bytes escaped and read back exactly', () => {
    const cases = [
      bytes('caf', [0xe9], '.jpg'),
      bytes('d', [0xe9], 'j', [0xe0], ' vu'),
      bytes('日本', [0xff, 0xfe], '.png'),
      bytes('back\\slash', [0x80], '.jpg'),
      bytes([0xe2, 0x82], '.jpg'), // a sequence cut short
    ]
    expect(escapeName(cases[0]!)).toBe('caf\\xE9.jpg')
    expect(escapeName(cases[2]!)).toBe('日本\\xFF\\xFE.png')
    expect(escapeName(cases[3]!)).toBe('back\\\\slash\\x80.jpg')
    expect(escapeName(cases[4]!)).toBe('\\xE2\\x82.jpg')
    for (const raw of cases) {
      const shown = escapeName(raw)
      expect(isEscapedName(shown)).toBe(true)
      expect(unescapeName(shown).equals(raw)).toBe(true)
    }
  })

  it("match what a watcher reports for them (Node's lossy spelling)", () => {
    const raw = bytes('caf', [0xe9], '.jpg')
    expect(lossyName(raw)).toBe('caf\uFFFD.jpg')
    expect(lossyMatches('caf\uFFFD.jpg', escapeName(raw))).toBe(true)
    expect(lossyMatches('caf\uFFFD.png', escapeName(raw))).toBe(false)
    expect(lossyMatches(ODD_NAMES_IN_FOLDER, escapeName(raw))).toBe(true)
    expect(lossyMatches(ODD_NAMES_IN_FOLDER, 'plain.jpg')).toBe(false)
  })
})
