/**
 * Finds the EXIF block (a small TIFF structure) inside each container format, so that exifr parses only
 * those few kilobytes. exifr alone cannot read WebP, and misreads HEIF/AVIF files written by libheif.
 */
import { bmffExifBlock } from './iso-bmff.js'
import type { PhotoFormat } from './sniff-format.js'

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00] // "Exif\0\0"

function hasExifHeader(buf: Uint8Array, at: number): boolean {
  // Some writers put "Exif\0\xff"; only the first four bytes are dependable.
  return EXIF_HEADER.slice(0, 4).every((b, i) => buf[at + i] === b)
}

function jpegExifBlock(buf: Uint8Array): Uint8Array | null {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let at = 2
  while (at + 4 <= buf.length) {
    if (buf[at] !== 0xff) return null
    const marker = buf[at + 1]!
    if (marker === 0xff) {
      at++ // fill byte
      continue
    }
    if (marker === 0xda || marker === 0xd9) return null // image data starts: no more metadata segments
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2
      continue
    }
    const length = dv.getUint16(at + 2)
    if (marker === 0xe1 && hasExifHeader(buf, at + 4)) {
      return buf.subarray(at + 4 + EXIF_HEADER.length, Math.min(at + 2 + length, buf.length))
    }
    at += 2 + length
  }
  return null
}

function pngExifBlock(buf: Uint8Array): Uint8Array | null {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let at = 8
  while (at + 8 <= buf.length) {
    const length = dv.getUint32(at)
    const type = String.fromCharCode(...buf.subarray(at + 4, at + 8))
    if (type === 'eXIf') return buf.subarray(at + 8, Math.min(at + 8 + length, buf.length))
    if (type === 'IEND') return null
    at += 12 + length
  }
  return null
}

function webpExifBlock(buf: Uint8Array): Uint8Array | null {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let at = 12
  while (at + 8 <= buf.length) {
    const type = String.fromCharCode(...buf.subarray(at, at + 4))
    const length = dv.getUint32(at + 4, true)
    if (type === 'EXIF') {
      const start = at + 8 + (hasExifHeader(buf, at + 8) ? EXIF_HEADER.length : 0)
      return buf.subarray(start, Math.min(at + 8 + length, buf.length))
    }
    at += 8 + length + (length & 1) // chunks are padded to an even size
  }
  return null
}

/** The TIFF-structured EXIF data of a file in `format`, or null when it has none (or it cannot be found). */
export function exifBlock(buf: Uint8Array, format: PhotoFormat): Uint8Array | null {
  try {
    switch (format) {
      case 'jpeg':
        return jpegExifBlock(buf)
      case 'png':
        return pngExifBlock(buf)
      case 'webp':
        return webpExifBlock(buf)
      case 'heic':
      case 'avif':
        return bmffExifBlock(buf)
      case 'tiff':
        return buf // a TIFF file is itself the structure exifr reads
      case 'gif':
        return null
    }
  } catch {
    return null
  }
}
