/**
 * Capture date, camera and position from a photo's EXIF, with exifr run on the EXIF block only, and the
 * capture date from its XMP packet when EXIF has none. Never throws: a missing or broken block gives nulls
 * (and orientation 1).
 */
import { inflateSync } from 'node:zlib'
import exifr from 'exifr'
import type { GpsPosition, PhotoMetadata } from '../types.js'
import { exifBlock } from './exif-block.js'
import { jpegHeader } from './jpeg-markers.js'
import { sniffFormat, type PhotoFormat } from './sniff-format.js'

// One cached options object: exifr memoises the parsed form per object. Raw values (no translation, no Date
// objects): dates stay the camera's local wall-clock strings and Orientation stays a number.
const EXIFR_OPTIONS = {
  tiff: true,
  ifd0: { pick: ['Make', 'Model', 'Orientation', 'ModifyDate'] },
  exif: {
    pick: [
      'DateTimeOriginal',
      'CreateDate',
      'OffsetTime',
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

/** Where a metadata date came from: EXIF DateTimeOriginal, or another EXIF or XMP date. */
export type MetadataDateSource = 'exif' | 'exif-other'

/** What a file's metadata says: {@link PhotoMetadata} with where its date came from always set. */
export interface FileMetadata extends PhotoMetadata {
  /** Where takenAt came from; null when the file's metadata holds no date. */
  dateSource: MetadataDateSource | null
}

export const EMPTY_METADATA: FileMetadata = Object.freeze({
  takenAt: null,
  dateSource: null,
  cameraMake: null,
  cameraModel: null,
  gps: null,
  orientation: 1,
}) as FileMetadata

export async function readMetadata(file: Uint8Array): Promise<FileMetadata> {
  const sniffed = sniffFormat(file)
  if (sniffed.kind !== 'image') return { ...EMPTY_METADATA }
  return readMetadataOf(file, sniffed.format)
}

/** readMetadata for a file whose format is already known. */
export async function readMetadataOf(file: Uint8Array, format: PhotoFormat): Promise<FileMetadata> {
  const block = exifBlock(file, format)
  let tags: Record<string, unknown> | undefined
  if (block && block.length >= 8) {
    try {
      tags = (await exifr.parse(block, EXIFR_OPTIONS)) as Record<string, unknown> | undefined
    } catch {
      tags = undefined
    }
  }
  const original = tags
    ? exifDateTime(tags.DateTimeOriginal, tags.SubSecTimeOriginal, tags.OffsetTimeOriginal)
    : null
  // DateTimeOriginal, else the other dates in order of how close they are to the moment of capture:
  // digitized (CreateDate), XMP's capture dates, and last the file's last edit (ModifyDate).
  const other = original
    ? null
    : ((tags ? exifDateTime(tags.CreateDate, tags.SubSecTimeDigitized, tags.OffsetTimeDigitized) : null) ??
      xmpCaptureDate(file, format) ??
      (tags ? exifDateTime(tags.ModifyDate, undefined, tags.OffsetTime) : null))
  const date = {
    takenAt: original ?? other,
    dateSource: original ? ('exif' as const) : other ? ('exif-other' as const) : null,
  }
  if (!tags) return { ...EMPTY_METADATA, ...date }
  return {
    ...date,
    cameraMake: cleanText(tags.Make),
    cameraModel: cleanText(tags.Model),
    gps: gpsPosition(tags),
    orientation: orientationOf(tags.Orientation),
  }
}

const XMP_JPEG_HEADER = 'http://ns.adobe.com/xap/1.0/\0'
/** XMP properties that hold the moment of capture, most direct first (never xmp:ModifyDate: an edit). */
const XMP_DATE_PROPERTIES = ['exif:DateTimeOriginal', 'photoshop:DateCreated', 'xmp:CreateDate']

/** The XMP packet of a JPEG (APP1), PNG (iTXt) or WebP (XMP chunk), as text; null when there is none. */
export function xmpPacket(buf: Uint8Array, format: PhotoFormat): string | null {
  try {
    const text = (from: number, to: number) =>
      Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('utf8')
    if (format === 'jpeg') {
      for (const s of jpegHeader(buf).segments) {
        if (s.marker !== 0xe1) continue
        const end = Math.min(s.end, buf.length)
        const head = XMP_JPEG_HEADER.length
        if (end - s.payload > head && text(s.payload, s.payload + head) === XMP_JPEG_HEADER)
          return text(s.payload + head, end)
      }
      return null
    }
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    if (format === 'png') {
      for (let at = 8; at + 8 <= buf.length;) {
        const length = dv.getUint32(at)
        const type = String.fromCharCode(...buf.subarray(at + 4, at + 8))
        if (type === 'IDAT' || type === 'IEND') return null
        if (type === 'iTXt' || type === 'zTXt') {
          const packet = pngXmp(buf.subarray(at + 8, Math.min(at + 8 + length, buf.length)), type)
          if (packet !== null) return packet
        }
        at += 12 + length
      }
      return null
    }
    if (format === 'webp') {
      for (let at = 12; at + 8 <= buf.length;) {
        const type = String.fromCharCode(...buf.subarray(at, at + 4))
        const length = dv.getUint32(at + 4, true)
        if (type === 'XMP ') return text(at + 8, Math.min(at + 8 + length, buf.length))
        at += 8 + length + (length & 1)
      }
    }
    return null
  } catch {
    return null
  }
}

const PNG_XMP_KEYWORD = 'XML:com.adobe.xmp'

/** The XMP of a PNG text chunk (iTXt, or zTXt as libvips writes it), inflated when compressed. */
function pngXmp(chunk: Uint8Array, type: 'iTXt' | 'zTXt'): string | null {
  const keywordEnd = chunk.indexOf(0)
  if (keywordEnd < 0 || Buffer.from(chunk.subarray(0, keywordEnd)).toString('latin1') !== PNG_XMP_KEYWORD)
    return null
  let at = keywordEnd + 1
  let compressed = true
  if (type === 'iTXt') {
    compressed = chunk[at] === 1
    at += 2 // compression flag and method
    for (let skip = 0; skip < 2; skip++) at = chunk.indexOf(0, at) + 1 // language tag, translated keyword
    if (at <= 0) return null
  } else {
    at += 1 // compression method
  }
  const data = chunk.subarray(at)
  return (compressed ? inflateSync(data, { maxOutputLength: 4 << 20 }) : Buffer.from(data)).toString('utf8')
}

function xmpCaptureDate(buf: Uint8Array, format: PhotoFormat): string | null {
  const xmp = xmpPacket(buf, format)
  if (!xmp) return null
  for (const property of XMP_DATE_PROPERTIES) {
    // As an attribute (exif:DateTimeOriginal="…") or an element (<exif:DateTimeOriginal>…</…>).
    const m = new RegExp(`${property}\\s*(?:=\\s*["']([^"']*)["']|>([^<]*)<)`).exec(xmp)
    const date = m ? xmpDateTime((m[1] ?? m[2] ?? '').trim()) : null
    if (date) return date
  }
  return null
}

/**
 * An XMP date (ISO 8601: "2020-01-02T10:10:10.5+01:00", "2020-01-02T10:10", "2020-01-02") as the ISO form
 * EXIF dates take here; a year or a month alone is not a capture date (null).
 */
export function xmpDateTime(value: string): string | null {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(value)
  if (!m) return null
  const zone = m[8] === 'Z' ? '+00:00' : m[8]
  return exifDateTime(`${m[1]}:${m[2]}:${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`, m[7], zone)
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
