/**
 * Finds the EXIF block (a small TIFF structure) inside each container format, so that exifr parses only
 * those few kilobytes. exifr alone cannot read WebP, and misreads HEIF/AVIF files written by libheif.
 */
import { bmffExifBlock } from './iso-bmff.js'
import { jpegHeader } from './jpeg-markers.js'
import type { PhotoFormat } from './sniff-format.js'

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00] // "Exif\0\0"

function hasExifHeader(buf: Uint8Array, at: number): boolean {
  // Some writers put "Exif\0\xff"; only the first four bytes are dependable.
  return EXIF_HEADER.slice(0, 4).every((b, i) => buf[at + i] === b)
}

function jpegExifBlock(buf: Uint8Array): Uint8Array | null {
  const app1 = jpegHeader(buf).segments.find((s) => s.marker === 0xe1 && hasExifHeader(buf, s.payload))
  return app1 ? buf.subarray(app1.payload + EXIF_HEADER.length, Math.min(app1.end, buf.length)) : null
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
