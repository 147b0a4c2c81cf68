import { describe, expect, it } from 'vitest'
import { formatBytes } from '../../../src/shared/format-bytes'

describe('formatBytes', () => {
  it('uses decimal units, one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1000)).toBe('1.0 kB')
    expect(formatBytes(90_600)).toBe('90.6 kB')
    expect(formatBytes(123_456)).toBe('123 kB')
    expect(formatBytes(3_700_000)).toBe('3.7 MB')
    expect(formatBytes(605_000_000)).toBe('605 MB')
    expect(formatBytes(1_200_000_000)).toBe('1.2 GB')
  })

  it('never shows 1000 of a unit', () => {
    expect(formatBytes(999_960)).toBe('1.0 MB')
    expect(formatBytes(99_960)).toBe('100 kB')
  })
})
