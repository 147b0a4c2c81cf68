import { describe, expect, it } from 'vitest'
import { dateFromFileName } from '../../../src/engine/dates/filename-date.js'

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0)
const parse = (name: string) => dateFromFileName(name, NOW)?.takenAt ?? null

describe('dateFromFileName: the patterns phones, messengers and tools write', () => {
  it.each([
    // cameras and phones
    ['IMG_20190513_101010.jpg', '2019-05-13T10:10:10'],
    ['VID_20190513_101010.mp4', '2019-05-13T10:10:10'],
    ['DSC_20190513_101010.JPG', '2019-05-13T10:10:10'],
    ['MVIMG_20190513_101010.jpg', '2019-05-13T10:10:10'],
    ['IMG_20190513_101010_HDR.jpg', '2019-05-13T10:10:10'],
    ['20190513_101010.jpg', '2019-05-13T10:10:10'],
    ['20190513_101010(0).jpg', '2019-05-13T10:10:10'],
    ['img_20190513_101010~2.jpg', '2019-05-13T10:10:10'],
    // Pixel: milliseconds after the seconds, and the name is in UTC
    ['PXL_20190513_101010123.jpg', '2019-05-13T10:10:10.123Z'],
    ['PXL_20190513_101010123.MP.jpg', '2019-05-13T10:10:10.123Z'],
    ['PXL_20190513_101010123.PORTRAIT.jpg', '2019-05-13T10:10:10.123Z'],
    // WhatsApp: a day only, or a day and time in the exported name
    ['IMG-20200102-WA0001.jpg', '2020-01-02T00:00:00'],
    ['VID-20200102-WA0012.mp4', '2020-01-02T00:00:00'],
    ['WhatsApp Image 2020-01-02 at 10.10.10.jpeg', '2020-01-02T10:10:10'],
    ['WhatsApp Image 2020-01-02 at 10.10.10 (1).jpeg', '2020-01-02T10:10:10'],
    // Dropbox camera uploads
    ['2018-08-15 14.22.10.jpg', '2018-08-15T14:22:10'],
    ['2018-08-15 14.22.10-1.jpg', '2018-08-15T14:22:10'],
    // screenshots: Android, macOS (24-hour and 12-hour, with the narrow no-break space), Windows
    ['Screenshot_20200102-101010.png', '2020-01-02T10:10:10'],
    ['Screenshot_20200102-101010_Chrome.jpg', '2020-01-02T10:10:10'],
    ['Screenshot 2020-01-02 at 10.10.10.png', '2020-01-02T10:10:10'],
    ['Screen Shot 2020-01-02 at 1.10.10 PM.png', '2020-01-02T13:10:10'],
    ['Screen Shot 2020-01-02 at 12.05.09 AM.png', '2020-01-02T00:05:09'],
    ['Screenshot 2024-03-09 at 9.41.22\u202fAM.png', '2024-03-09T09:41:22'],
    ['Screenshot 2020-01-02 101010.png', '2020-01-02T10:10:10'],
    // Signal, Telegram
    ['signal-2020-01-02-101010.jpg', '2020-01-02T10:10:10'],
    ['signal-2020-01-02-101010_001.jpg', '2020-01-02T10:10:10'],
    ['signal-2020-01-02-10-10-10-123.jpg', '2020-01-02T10:10:10'],
    ['photo_2020-01-02_10-10-10.jpg', '2020-01-02T10:10:10'],
    // plain days, other separators
    ['2019-05-13.jpg', '2019-05-13T00:00:00'],
    ['holiday 2019_05_13.jpg', '2019-05-13T00:00:00'],
    ['scan 1975.06.01.tif', '1975-06-01T00:00:00'],
    ['2019-05-13T10:10:10.jpg', '2019-05-13T10:10:10'],
    // paths: only the file name counts
    ['/photos/2001-01-01/IMG_20190513_101010.jpg', '2019-05-13T10:10:10'],
  ])('%s → %s', (name, expected) => {
    expect(parse(name)).toBe(expected)
  })

  it('reads Facebook downloads as milliseconds since the epoch', () => {
    expect(parse('FB_IMG_1578000000000.jpg')).toBe(new Date(1578000000000).toISOString())
  })

  it('says whether a time of day was in the name', () => {
    expect(dateFromFileName('IMG-20200102-WA0001.jpg', NOW)?.hasTime).toBe(false)
    expect(dateFromFileName('IMG_20190513_101010.jpg', NOW)?.hasTime).toBe(true)
  })
})

describe('dateFromFileName: names without a (possible) date', () => {
  it.each([
    'IMG_1234.JPG',
    'DSC_0001.JPG',
    'holiday.jpg',
    'P1000123.JPG',
    '12345678.jpg', // 1234-56-78
    'IMG_20191313_101010.jpg', // month 13
    'IMG_20190230_101010.jpg', // February 30
    'IMG_20190431.jpg', // April 31
    'IMG_20190513_256010.jpg', // hour 25
    'IMG_20190513_106010.jpg', // minute 60
    'Screen Shot 2020-01-02 at 13.10.10 PM.png', // 13 PM
    '2019-02-29.jpg', // not a leap year
    '1899-12-31.jpg', // before photography was common: a number, not a date
    '19690720.jpg', // a bare 8-digit number before 1970
    'IMG_20300101_101010.jpg', // in the future
    'FB_IMG_9999999999999.jpg', // the epoch far in the future
    'IMG_201905131010101.jpg', // 15 digits: not a date and time
    'order 120190513.jpg', // digits on both sides
  ])('%s → null', (name) => {
    expect(parse(name)).toBeNull()
  })

  it('accepts February 29 in a leap year', () => {
    expect(parse('2020-02-29.jpg')).toBe('2020-02-29T00:00:00')
  })

  it('skips an impossible candidate and takes a later possible one', () => {
    expect(parse('2019-13-45 copy of 2020-01-02.jpg')).toBe('2020-01-02T00:00:00')
  })

  it('takes today (with a day of slack for time zones) but not later', () => {
    const now = Date.UTC(2024, 5, 1, 8, 0, 0)
    expect(dateFromFileName('IMG_20240601_230000.jpg', now)?.takenAt).toBe('2024-06-01T23:00:00')
    expect(dateFromFileName('IMG_20240603_000000.jpg', now)).toBeNull()
  })
})
