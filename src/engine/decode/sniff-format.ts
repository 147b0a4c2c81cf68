/**
 * Recognises a file's format from its first bytes (never from its name: a .jpg may hold a PNG, and a .heic
 * may be anything). Also says, in words, what a non-image file looks like, for the error message.
 */
import { ftypBrands } from './iso-bmff.js'

/** Formats decodePhoto can decode. */
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'tiff' | 'gif' | 'heic'

export type Sniffed =
  | { kind: 'image'; format: PhotoFormat }
  /** A picture format Tessera does not open; `label` names it for people ("BMP", "JPEG XL"). */
  | { kind: 'unsupported'; label: string }
  /** Not a picture; `looksLike` completes "This file is not an image (…)". */
  | { kind: 'other'; looksLike: string }

const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs'])
const AVIF_BRANDS = new Set(['avif', 'avis'])
/** Generic HEIF brands: the codec is not named, libheif finds out. */
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2', 'miaf'])
const VIDEO_BRANDS = [
  'isom',
  'iso2',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'avc1',
  'qt  ',
  'M4V ',
  '3gp',
  '3g2',
  'dash',
]

function startsWith(buf: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false
  return true
}

function ascii(buf: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...buf.subarray(start, Math.min(end, buf.length)))
}

export function sniffFormat(buf: Uint8Array): Sniffed {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return { kind: 'image', format: 'jpeg' }
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'image', format: 'png' }
  const head = ascii(buf, 0, 12)
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return { kind: 'image', format: 'gif' }
  if (head.startsWith('RIFF')) {
    const type = head.slice(8, 12)
    if (type === 'WEBP') return { kind: 'image', format: 'webp' }
    if (type === 'AVI ') return { kind: 'other', looksLike: 'it looks like a video' }
    if (type === 'WAVE') return { kind: 'other', looksLike: 'it looks like a sound recording' }
  }
  if (
    head.startsWith('II*\0') ||
    head.startsWith('MM\0*') ||
    head.startsWith('II+\0') ||
    head.startsWith('MM\0+')
  ) {
    // Canon CR2 is a TIFF whose first page is a preview in a compression libtiff cannot read.
    if (head.slice(8, 10) === 'CR') return { kind: 'unsupported', label: 'Canon raw (CR2)' }
    return { kind: 'image', format: 'tiff' }
  }
  if (head.slice(4, 8) === 'ftyp') return sniffIsoBmff(buf)
  if (startsWith(buf, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]) || startsWith(buf, [0xff, 0x0a])) {
    return { kind: 'unsupported', label: 'JPEG XL' }
  }
  if (startsWith(buf, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]))
    return { kind: 'unsupported', label: 'JPEG 2000' }
  if (
    head.startsWith('BM') &&
    buf.length >= 26 &&
    buf[14] !== undefined &&
    [12, 40, 52, 56, 64, 108, 124].includes(buf[14])
  ) {
    return { kind: 'unsupported', label: 'BMP' }
  }
  if (head.startsWith('8BPS')) return { kind: 'unsupported', label: 'Photoshop (PSD)' }
  if (startsWith(buf, [0x00, 0x00, 0x01, 0x00]) && buf.length > 6)
    return { kind: 'unsupported', label: 'icon (ICO)' }
  return { kind: 'other', looksLike: describeNonImage(buf) }
}

function sniffIsoBmff(buf: Uint8Array): Sniffed {
  const { major, compatible } = ftypBrands(buf)
  const all = [major, ...compatible]
  if (AVIF_BRANDS.has(major)) return { kind: 'image', format: 'avif' }
  if (HEIC_BRANDS.has(major)) return { kind: 'image', format: 'heic' }
  if (all.some((b) => AVIF_BRANDS.has(b))) return { kind: 'image', format: 'avif' }
  if (all.some((b) => HEIC_BRANDS.has(b) || HEIF_BRANDS.has(b))) return { kind: 'image', format: 'heic' }
  if (major === 'crx ') return { kind: 'unsupported', label: 'Canon raw (CR3)' }
  if (major === 'jxl ') return { kind: 'unsupported', label: 'JPEG XL' }
  if (all.some((b) => VIDEO_BRANDS.some((v) => b.startsWith(v))))
    return { kind: 'other', looksLike: 'it looks like a video' }
  return { kind: 'other', looksLike: 'it looks like a video or other media file' }
}

/** A few words on what a non-image file seems to be. */
export function describeNonImage(buf: Uint8Array): string {
  const head = ascii(buf, 0, 8)
  if (head.startsWith('%PDF')) return 'it looks like a PDF document'
  if (head.startsWith('PK\x03\x04')) return 'it looks like a ZIP archive or an office document'
  if (startsWith(buf, [0x1f, 0x8b]) || head.startsWith('Rar!') || startsWith(buf, [0x37, 0x7a, 0xbc, 0xaf])) {
    return 'it looks like a compressed archive'
  }
  if (startsWith(buf, [0x1a, 0x45, 0xdf, 0xa3])) return 'it looks like a video'
  if (head.startsWith('ID3') || head.startsWith('OggS') || head.startsWith('fLaC'))
    return 'it looks like a sound recording'
  if (head.startsWith('MZ') || startsWith(buf, [0x7f, 0x45, 0x4c, 0x46])) return 'it looks like a program'
  const text = asText(buf)
  if (text !== null) {
    const start = text.trimStart().slice(0, 512).toLowerCase()
    if (start.includes('<svg')) return 'it looks like an SVG drawing, which is not a photo format'
    if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'it looks like a web page'
    return 'it looks like text'
  }
  return 'its content does not match any picture format'
}

/** The first kilobyte as text, or null when it is binary. */
function asText(buf: Uint8Array): string | null {
  const sample = buf.subarray(0, 1024)
  if (sample.length === 0 || sample.includes(0)) return null
  // The cut may split a multi-byte character: drop a partial one at the end.
  let text: string | null = null
  for (let trim = 0; trim < 4 && text === null; trim++) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, sample.length - trim))
    } catch {
      text = null
    }
  }
  if (text === null) return null
  let printable = 0
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0
    if (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) printable++
  }
  return printable >= 0.95 * [...text].length ? text : null
}
