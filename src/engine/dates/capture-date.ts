/**
 * A date for every photo, and where it came from: the camera's EXIF DateTimeOriginal first, then another
 * EXIF or XMP date, then a date in the file name, then the file's modification time. Pure.
 */
import { dateFromFileName } from './filename-date.js'

export type DateSource = 'exif' | 'exif-other' | 'filename' | 'mtime'

export const DATE_SOURCES: readonly DateSource[] = ['exif', 'exif-other', 'filename', 'mtime']

export interface CaptureDate {
  takenAt: string | null
  dateSource: DateSource | null
}

export interface CaptureDateInput {
  /** What the file's metadata said, if anything ('exif' for DateTimeOriginal, 'exif-other' otherwise). */
  metadata?: { takenAt: string | null; dateSource: 'exif' | 'exif-other' | null } | null
  /** The file's name or path. */
  fileName: string
  /** The file's modification time (ms since the epoch); 0 or less when unknown. */
  mtimeMs: number
  nowMs?: number
}

export function captureDate(input: CaptureDateInput): CaptureDate {
  const meta = input.metadata
  if (meta?.takenAt) return { takenAt: meta.takenAt, dateSource: meta.dateSource ?? 'exif' }
  const named = dateFromFileName(input.fileName, input.nowMs)
  if (named) return { takenAt: named.takenAt, dateSource: 'filename' }
  if (Number.isFinite(input.mtimeMs) && input.mtimeMs > 0)
    return { takenAt: localIsoTime(input.mtimeMs), dateSource: 'mtime' }
  return { takenAt: null, dateSource: null }
}

/**
 * An instant as ISO 8601 in this machine's time zone, with its offset (`2020-01-02T11:10:10.000+01:00`):
 * the wall-clock time the user saw, like a camera's, and still the exact instant.
 */
export function localIsoTime(ms: number): string {
  const d = new Date(ms)
  const offset = -d.getTimezoneOffset()
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0')
  const zone = `${offset >= 0 ? '+' : '-'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${zone}`
  )
}
