/**
 * Walks a JPEG's header segments (SOI … SOS): where the EXIF is, how big the picture is, whether the file
 * stops in the middle of its headers. Pure byte reading, no decoding.
 */

export interface JpegSegment {
  marker: number
  /** Offset of the 0xFF of the marker. */
  start: number
  /** Offset of the segment's payload (after the 2-byte length). */
  payload: number
  /** Offset just past the segment; may exceed the buffer when the file is truncated. */
  end: number
}

export interface JpegHeader {
  segments: JpegSegment[]
  /** Offset where the entropy-coded picture data starts, or null when no SOS was reached. */
  scanStart: number | null
  /** True when the headers themselves run past the end of the buffer. */
  cutShort: boolean
}

export function jpegHeader(buf: Uint8Array): JpegHeader {
  const segments: JpegSegment[] = []
  let at = 2
  while (true) {
    if (at + 4 > buf.length) return { segments, scanStart: null, cutShort: true }
    if (buf[at] !== 0xff) return { segments, scanStart: null, cutShort: false } // not a marker: damaged
    const marker = buf[at + 1]!
    if (marker === 0xff) {
      at++ // fill byte
      continue
    }
    if (marker === 0xd9) return { segments, scanStart: null, cutShort: false }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2 // markers without a length
      continue
    }
    const end = at + 2 + ((buf[at + 2]! << 8) | buf[at + 3]!)
    segments.push({ marker, start: at, payload: at + 4, end })
    if (end > buf.length) return { segments, scanStart: null, cutShort: true }
    if (marker === 0xda) return { segments, scanStart: end, cutShort: false }
    at = end
  }
}

export interface JpegFrame {
  width: number
  height: number
  /** Bits per sample: 8 almost always, 12 for some medical and scientific files. */
  precision: number
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number
}

/** The frame header (SOF0…SOF15): size before any EXIF rotation, precision and components. */
export function jpegFrame(buf: Uint8Array): JpegFrame | null {
  for (const s of jpegHeader(buf).segments) {
    const isFrame =
      s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc
    if (!isFrame || s.payload + 6 > buf.length) continue
    const height = (buf[s.payload + 1]! << 8) | buf[s.payload + 2]!
    const width = (buf[s.payload + 3]! << 8) | buf[s.payload + 4]!
    const precision = buf[s.payload]!
    const components = buf[s.payload + 5]!
    return width > 0 && height > 0 ? { width, height, precision, components } : null
  }
  return null
}
