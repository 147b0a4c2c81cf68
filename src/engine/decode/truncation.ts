/**
 * Tells a file that was cut short (still copying, interrupted download, full disk) from one that is damaged,
 * by looking at the container structure. Consulted only after a decode failed, so a motion photo with a
 * video appended after the JPEG's end marker is never judged by these rules alone.
 */
import { bmffLooksTruncated } from './iso-bmff.js'
import { jpegHeader } from './jpeg-markers.js'
import type { PhotoFormat } from './sniff-format.js'

function jpegLooksTruncated(buf: Uint8Array): boolean {
  const header = jpegHeader(buf)
  if (header.cutShort) return true
  if (header.scanStart === null) return false // damaged headers, not a short file
  // Inside the compressed data 0xFF is always followed by 0x00 or a restart marker, so the only FF D9 after
  // the start of scan is the end-of-image marker. No end marker: the file stops mid-picture.
  for (let i = header.scanStart; i + 1 < buf.length; i++)
    if (buf[i] === 0xff && buf[i + 1] === 0xd9) return false
  return true
}

function pngLooksTruncated(buf: Uint8Array): boolean {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let at = 8
  while (at + 8 <= buf.length) {
    const length = dv.getUint32(at)
    const type = String.fromCharCode(...buf.subarray(at + 4, at + 8))
    if (at + 12 + length > buf.length) return true
    if (type === 'IEND') return false
    at += 12 + length
  }
  return true // ran out of bytes before IEND
}

function webpLooksTruncated(buf: Uint8Array): boolean {
  if (buf.length < 12) return true
  const riffSize = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(4, true)
  return riffSize + 8 > buf.length
}

function gifLooksTruncated(buf: Uint8Array): boolean {
  let end = buf.length
  while (end > 0 && buf[end - 1] === 0) end-- // tolerate zero padding
  return buf[end - 1] !== 0x3b // the GIF trailer
}

/** IFD0 and the strips or tiles it points to must lie inside the file. */
function tiffLooksTruncated(buf: Uint8Array): boolean {
  if (buf.length < 8) return true
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const le = buf[0] === 0x49
  if (dv.getUint16(2, le) !== 42) return false // BigTIFF: not checked
  const ifd = dv.getUint32(4, le)
  if (ifd + 2 > buf.length) return true
  const count = dv.getUint16(ifd, le)
  if (ifd + 2 + count * 12 > buf.length) return true
  const values = new Map<number, number[]>()
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12
    const tag = dv.getUint16(entry, le)
    if (tag !== 273 && tag !== 279 && tag !== 324 && tag !== 325) continue
    const type = dv.getUint16(entry + 2, le)
    const n = dv.getUint32(entry + 4, le)
    const size = type === 3 ? 2 : 4
    const where = n * size <= 4 ? entry + 8 : dv.getUint32(entry + 8, le)
    if (where + n * size > buf.length) return true
    const list: number[] = []
    for (let k = 0; k < n; k++)
      list.push(size === 2 ? dv.getUint16(where + k * 2, le) : dv.getUint32(where + k * 4, le))
    values.set(tag, list)
  }
  const reachesPastEnd = (offsets?: number[], counts?: number[]): boolean =>
    !!offsets && !!counts && offsets.some((o, k) => o + (counts[k] ?? 0) > buf.length)
  return reachesPastEnd(values.get(273), values.get(279)) || reachesPastEnd(values.get(324), values.get(325))
}

/** True when the file's own structure shows that its end is missing. */
export function looksTruncated(format: PhotoFormat, buf: Uint8Array): boolean {
  try {
    switch (format) {
      case 'jpeg':
        return jpegLooksTruncated(buf)
      case 'png':
        return pngLooksTruncated(buf)
      case 'webp':
        return webpLooksTruncated(buf)
      case 'gif':
        return gifLooksTruncated(buf)
      case 'tiff':
        return tiffLooksTruncated(buf)
      case 'heic':
      case 'avif':
        return bmffLooksTruncated(buf)
    }
  } catch {
    return false
  }
}

/** Decoder messages that mean "the data stops too early". */
export const TRUNCATION_MESSAGE =
  /premature end of (jpeg|input) (image|file)|unexpected end of (file|gif source data|data)|truncated|outside of file bounds|read error on strip|read error on tile/i
