import { describe, expect, it } from 'vitest'
import {
  dimensions,
  fileName,
  formatName,
  formatTaken,
  shortFolder,
} from '../../../src/renderer/src/views/duplicates/dupe-format'

describe('duplicate card facts', () => {
  it('splits paths on either separator', () => {
    expect(fileName('/home/me/Photos/Rome/IMG_1.jpg')).toBe('IMG_1.jpg')
    expect(fileName('C:\\Users\\me\\IMG_2.HEIC')).toBe('IMG_2.HEIC')
    expect(shortFolder('/home/me/Photos/Rome/IMG_1.jpg')).toBe('…/Photos/Rome')
    expect(shortFolder('/Photos/IMG_1.jpg')).toBe('Photos')
    expect(shortFolder('C:\\Users\\me\\IMG_2.HEIC')).toBe('…/Users/me')
    expect(shortFolder('IMG.jpg')).toBe('/')
  })

  it('writes dimensions, dates and formats', () => {
    expect(dimensions({ width: 4032, height: 3024 })).toBe('4032 × 3024')
    expect(dimensions({ width: null, height: 3024 })).toBe('Unknown size')
    expect(formatTaken('2024-03-14T10:32:05')).toBe('14 Mar 2024, 10:32')
    expect(formatTaken('2024-03-14')).toBe('14 Mar 2024')
    expect(formatTaken(null)).toBe('No date')
    expect(formatName('jpeg')).toBe('JPEG')
    expect(formatName('jpg')).toBe('JPEG')
    expect(formatName(null)).toBe('—')
  })
})
