/**
 * Just enough of the ISO base media file format (the box structure of HEIC and AVIF) to tell the brands,
 * see whether a file was cut short, and find the Exif item. Every read is bounds-checked by DataView;
 * callers get null/false instead of an exception on a malformed file.
 */

interface Box {
  type: string
  /** Offset of the box header. */
  start: number
  /** Offset of the payload (after size, type and any 64-bit size). */
  payload: number
  /** Offset just past the box; may exceed the buffer when the file is truncated. */
  end: number
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
}

function fourcc(buf: Uint8Array, at: number): string {
  return String.fromCharCode(...buf.subarray(at, at + 4))
}

/** Big-endian unsigned integer of 0, 1, 2, 4 or 8 bytes. */
function readUint(dv: DataView, at: number, size: number): number {
  switch (size) {
    case 0:
      return 0
    case 1:
      return dv.getUint8(at)
    case 2:
      return dv.getUint16(at)
    case 4:
      return dv.getUint32(at)
    case 8:
      return Number(dv.getBigUint64(at))
    default:
      throw new RangeError(`bad field size ${size}`)
  }
}

/** Boxes laid end to end between `from` and `to`. Stops at the first one that cannot be a box. */
function boxesIn(buf: Uint8Array, from: number, to: number): Box[] {
  const dv = view(buf)
  const boxes: Box[] = []
  let at = from
  while (at + 8 <= to) {
    let size = dv.getUint32(at)
    let payload = at + 8
    if (size === 1) {
      if (at + 16 > to) break
      size = Number(dv.getBigUint64(at + 8))
      payload = at + 16
    } else if (size === 0) {
      size = to - at // "extends to the end of the file"
    }
    if (size < payload - at) break
    boxes.push({ type: fourcc(buf, at + 4), start: at, payload, end: at + size })
    at += size
  }
  return boxes
}

function child(buf: Uint8Array, parent: Box, type: string, fullBox = false): Box | undefined {
  const from = parent.payload + (fullBox ? 4 : 0)
  return boxesIn(buf, from, Math.min(parent.end, buf.length)).find((b) => b.type === type)
}

export function ftypBrands(buf: Uint8Array): { major: string; compatible: string[] } {
  try {
    const ftyp = boxesIn(buf, 0, buf.length)[0]
    if (!ftyp || ftyp.type !== 'ftyp') return { major: '', compatible: [] }
    const end = Math.min(ftyp.end, buf.length)
    const compatible: string[] = []
    for (let at = ftyp.payload + 8; at + 4 <= end; at += 4) compatible.push(fourcc(buf, at))
    return { major: fourcc(buf, ftyp.payload), compatible }
  } catch {
    return { major: '', compatible: [] }
  }
}

interface ItemLocation {
  constructionMethod: number
  baseOffset: number
  extents: Array<{ offset: number; length: number }>
}

/** The `iloc` table of the `meta` box: where each item's bytes are. */
function itemLocations(buf: Uint8Array, meta: Box): Map<number, ItemLocation> {
  const dv = view(buf)
  const iloc = child(buf, meta, 'iloc', true)
  const out = new Map<number, ItemLocation>()
  if (!iloc) return out
  const version = dv.getUint8(iloc.payload)
  let at = iloc.payload + 4
  const offsetSize = dv.getUint8(at) >> 4
  const lengthSize = dv.getUint8(at) & 0xf
  const baseOffsetSize = dv.getUint8(at + 1) >> 4
  const indexSize = version === 1 || version === 2 ? dv.getUint8(at + 1) & 0xf : 0
  at += 2
  const itemCount = readUint(dv, at, version < 2 ? 2 : 4)
  at += version < 2 ? 2 : 4
  for (let i = 0; i < itemCount; i++) {
    const id = readUint(dv, at, version < 2 ? 2 : 4)
    at += version < 2 ? 2 : 4
    let constructionMethod = 0
    if (version === 1 || version === 2) {
      constructionMethod = dv.getUint16(at) & 0xf
      at += 2
    }
    at += 2 // data_reference_index
    const baseOffset = readUint(dv, at, baseOffsetSize)
    at += baseOffsetSize
    const extentCount = dv.getUint16(at)
    at += 2
    const extents: ItemLocation['extents'] = []
    for (let e = 0; e < extentCount; e++) {
      at += indexSize
      const offset = readUint(dv, at, offsetSize)
      at += offsetSize
      const length = readUint(dv, at, lengthSize)
      at += lengthSize
      extents.push({ offset, length })
    }
    out.set(id, { constructionMethod, baseOffset, extents })
  }
  return out
}

function metaBox(buf: Uint8Array): Box | undefined {
  return boxesIn(buf, 0, buf.length).find((b) => b.type === 'meta')
}

/**
 * True when the structure says bytes are missing: a top-level box, or an item's data, reaches past the end.
 * (A HEIC cut in half loses the end of its `mdat` box, where the pictures are.)
 */
export function bmffLooksTruncated(buf: Uint8Array): boolean {
  try {
    const top = boxesIn(buf, 0, buf.length)
    if (top.some((b) => b.end > buf.length)) return true
    const meta = top.find((b) => b.type === 'meta')
    if (!meta) return false
    for (const loc of itemLocations(buf, meta).values()) {
      if (loc.constructionMethod !== 0) continue
      if (loc.extents.some((e) => loc.baseOffset + e.offset + e.length > buf.length)) return true
    }
    return false
  } catch {
    return false
  }
}

/**
 * The TIFF-structured EXIF block of a HEIF/AVIF file, or null. exifr can find it too, but ignores the iloc
 * `base_offset` that libheif writes, so it misses the EXIF of every file libheif (and sharp) produced.
 */
export function bmffExifBlock(buf: Uint8Array): Uint8Array | null {
  try {
    const dv = view(buf)
    const meta = metaBox(buf)
    if (!meta) return null
    const iinf = child(buf, meta, 'iinf', true)
    if (!iinf) return null
    const iinfVersion = dv.getUint8(iinf.payload)
    const entriesStart = iinf.payload + 4 + (iinfVersion === 0 ? 2 : 4)
    let exifId: number | null = null
    for (const infe of boxesIn(buf, entriesStart, Math.min(iinf.end, buf.length))) {
      if (infe.type !== 'infe') continue
      const version = dv.getUint8(infe.payload)
      if (version < 2) continue
      const idSize = version === 2 ? 2 : 4
      const id = readUint(dv, infe.payload + 4, idSize)
      if (fourcc(buf, infe.payload + 4 + idSize + 2) === 'Exif') {
        exifId = id
        break
      }
    }
    if (exifId === null) return null
    const loc = itemLocations(buf, meta).get(exifId)
    if (!loc || loc.extents.length === 0) return null
    let base = loc.baseOffset
    if (loc.constructionMethod === 1) {
      const idat = child(buf, meta, 'idat', true)
      if (!idat) return null
      base += idat.payload
    } else if (loc.constructionMethod !== 0) {
      return null
    }
    const parts = loc.extents.map((e) => {
      const from = base + e.offset
      return buf.subarray(from, e.length === 0 ? buf.length : from + e.length)
    })
    const item = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    // The item starts with the offset of the TIFF header from the end of this 4-byte field.
    const tiffStart = 4 + new DataView(item.buffer, item.byteOffset, item.byteLength).getUint32(0)
    return tiffStart < item.length ? item.subarray(tiffStart) : null
  } catch {
    return null
  }
}
