import { describe, expect, it } from 'vitest'
import { captureDate, localIsoTime } from '../../../src/engine/dates/capture-date.js'

const MTIME = Date.UTC(2021, 6, 14, 9, 30, 0)
const NOW = Date.UTC(2026, 0, 1)

describe('captureDate: EXIF, then other metadata dates, then the file name, then the file time', () => {
  it('takes the metadata date with its source', () => {
    const exif = { takenAt: '2019-01-01T10:00:00', dateSource: 'exif' as const }
    expect(
      captureDate({ metadata: exif, fileName: 'IMG_20200102_101010.jpg', mtimeMs: MTIME, nowMs: NOW }),
    ).toEqual({ takenAt: '2019-01-01T10:00:00', dateSource: 'exif' })
    const other = { takenAt: '2019-01-01T10:00:00', dateSource: 'exif-other' as const }
    expect(captureDate({ metadata: other, fileName: 'x.jpg', mtimeMs: MTIME, nowMs: NOW }).dateSource).toBe(
      'exif-other',
    )
  })

  it('falls back to the file name, then to the file time', () => {
    const none = { takenAt: null, dateSource: null }
    expect(
      captureDate({ metadata: none, fileName: 'IMG_20200102_101010.jpg', mtimeMs: MTIME, nowMs: NOW }),
    ).toEqual({ takenAt: '2020-01-02T10:10:10', dateSource: 'filename' })
    const byTime = captureDate({ metadata: none, fileName: 'holiday.jpg', mtimeMs: MTIME, nowMs: NOW })
    expect(byTime.dateSource).toBe('mtime')
    expect(Date.parse(byTime.takenAt!)).toBe(MTIME)
  })

  it('knows nothing without a file time', () => {
    expect(captureDate({ fileName: 'holiday.jpg', mtimeMs: 0 })).toEqual({ takenAt: null, dateSource: null })
  })

  it('writes file times in local time with the offset: the same instant', () => {
    const iso = localIsoTime(MTIME + 123)
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.123[+-]\d{2}:\d{2}$/)
    expect(Date.parse(iso)).toBe(MTIME + 123)
  })
})
