/**
 * Capture date, camera and position from a photo's EXIF, with exifr run on the EXIF block only.
 * Never throws: a missing or broken block gives nulls (and orientation 1).
 */
import exifr from 'exifr'
import type { GpsPosition, PhotoMetadata } from '../types.js'
import { exifBlock } from './exif-block.js'
import { sniffFormat, type PhotoFormat } from './sniff-format.js'

// One cached options object: exifr memoises the parsed form per object. Raw values (no translation, no Date
// objects): dates stay the camera's local wall-clock strings and Orientation stays a number.
const EXIFR_OPTIONS = {
  tiff: true,
  ifd0: { pick: ['Make', 'Model', 'Orientation'] },
  exif: {
    pick: [
      'DateTimeOriginal',
      'CreateDate',
      'OffsetTimeOriginal',
      'OffsetTimeDigitized',
      'SubSecTimeOriginal',
      'SubSecTimeDigitized',
    ],
  },
  gps: {
    pick: [
      'GPSLatitudeRef',
      'GPSLatitude',
      'GPSLongitudeRef',
      'GPSLongitude',
      'GPSAltitudeRef',
      'GPSAltitude',
    ],
  },
  ifd1: false,
  interop: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  translateKeys: true,
  translateValues: false,
  reviveValues: false,
  mergeOutput: true,
}

export const EMPTY_METADATA: PhotoMetadata = Object.freeze({
  takenAt: null,
  cameraMake: null,
  cameraModel: null,
  gps: null,
  orientation: 1,
}) as PhotoMetadata

export async function readMetadata(file: Uint8Array): Promise<PhotoMetadata> {
  const sniffed = sniffFormat(file)
  if (sniffed.kind !== 'image') return { ...EMPTY_METADATA }
  return readMetadataOf(file, sniffed.format)
}

/** readMetadata for a file whose format is already known. */
export async function readMetadataOf(file: Uint8Array, format: PhotoFormat): Promise<PhotoMetadata> {
  const block = exifBlock(file, format)
  if (!block || block.length < 8) return { ...EMPTY_METADATA }
  let tags: Record<string, unknown> | undefined
  try {
    tags = (await exifr.parse(block, EXIFR_OPTIONS)) as Record<string, unknown> | undefined
  } catch {
    return { ...EMPTY_METADATA }
  }
  if (!tags) return { ...EMPTY_METADATA }
  return {
    takenAt:
      exifDateTime(tags.DateTimeOriginal, tags.SubSecTimeOriginal, tags.OffsetTimeOriginal) ??
      exifDateTime(tags.CreateDate, tags.SubSecTimeDigitized, tags.OffsetTimeDigitized),
    cameraMake: cleanText(tags.Make),
    cameraModel: cleanText(tags.Model),
    gps: gpsPosition(tags),
    orientation: orientationOf(tags.Orientation),
  }
}

function cleanText(value: unknown): string | null {
  if (typeof value !== 'string') return null
  // Fixed-size EXIF fields are often padded with NULs or spaces.
  const text = value.replace(/\0/g, '').trim()
  return text.length > 0 ? text : null
}

function orientationOf(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8 ? value : 1
}

/**
 * "2024:07:14 18:30:05" (+ sub-seconds, + offset when the camera wrote one) to ISO 8601:
 * "2024-07-14T18:30:05.120+02:00". Without an offset it stays local wall-clock time, as the camera showed it.
 * Placeholders like "0000:00:00 00:00:00" or blanks give null.
 */
export function exifDateTime(value: unknown, subSec?: unknown, offset?: unknown): string | null {
  if (typeof value !== 'string') return null
  const m = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value)
  if (!m) return null
  const n = (i: number): number => Number(m[i] ?? 0)
  const [year, month, day, hour, minute, second] = [n(1), n(2), n(3), n(4), n(5), n(6)]
  const valid =
    year >= 1800 &&
    year <= 2999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  if (!valid) return null
  let iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}`
  const fraction = typeof subSec === 'string' || typeof subSec === 'number' ? String(subSec).trim() : ''
  if (/^\d+$/.test(fraction)) iso += `.${fraction.slice(0, 3).padEnd(3, '0')}`
  if (typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim())) iso += offset.trim()
  return iso
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

function degrees(value: unknown): number | null {
  if (typeof value === 'number') return value
  if (!Array.isArray(value) || value.length === 0) return null
  const [d = 0, m = 0, s = 0] = value as unknown[]
  if (typeof d !== 'number' || typeof m !== 'number' || typeof s !== 'number') return null
  return d + m / 60 + s / 3600
}

function byteValue(value: unknown): number | null {
  if (typeof value === 'number') return value
  if (value instanceof Uint8Array && value.length > 0) return value[0]!
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim())
  return null
}

function gpsPosition(tags: Record<string, unknown>): GpsPosition | null {
  let latitude = degrees(tags.GPSLatitude)
  let longitude = degrees(tags.GPSLongitude)
  if (latitude === null || longitude === null) return null
  if (
    String(tags.GPSLatitudeRef ?? '')
      .trim()
      .toUpperCase() === 'S'
  )
    latitude = -Math.abs(latitude)
  if (
    String(tags.GPSLongitudeRef ?? '')
      .trim()
      .toUpperCase() === 'W'
  )
    longitude = -Math.abs(longitude)
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null
  // Phones without a fix write 0,0 ("Null Island"); nobody photographs that spot in the Gulf of Guinea.
  if (latitude === 0 && longitude === 0) return null
  let altitude =
    typeof tags.GPSAltitude === 'number' && Number.isFinite(tags.GPSAltitude) ? tags.GPSAltitude : null
  if (altitude !== null && byteValue(tags.GPSAltitudeRef) === 1) altitude = -Math.abs(altitude)
  return { latitude, longitude, altitude }
}
