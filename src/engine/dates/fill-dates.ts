/**
 * Dates every photo that was indexed before dates had a source (rows with a hash but no dateSource),
 * without decoding it again: EXIF and XMP from the first bytes of the file only (the whole file only when the
 * row had an EXIF date that the first bytes do not hold), else the file name, else the file time.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { readMetadata, type FileMetadata } from '../decode/read-metadata.js'
import type { PhotoStore } from '../store/photo-store.js'
import { captureDate } from './capture-date.js'

/** EXIF lives in the first 64 KB of a JPEG (APP1 is at most that); PNG and WebP put it early too. */
export const HEADER_BYTES = 256 * 1024
const CHUNK = 2000

async function readStart(file: string, bytes: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r')
  try {
    const buf = Buffer.allocUnsafe(bytes)
    const { bytesRead } = await handle.read(buf, 0, bytes, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

async function metadataOf(file: string, hadDate: boolean): Promise<FileMetadata | null> {
  try {
    const head = await readMetadata(await readStart(file, HEADER_BYTES))
    if (head.takenAt || !hadDate) return head
    return await readMetadata(await fs.readFile(file)) // the date was further in (some HEIC files)
  } catch {
    return null // gone or unreadable: the name and file time still date it
  }
}

export async function fillDates(store: PhotoStore, nowMs: number = Date.now()): Promise<number> {
  const rows = await store.query(`hash IS NOT NULL AND status != 'failed' AND dateSource IS NULL`, [
    'id',
    'path',
    'mtimeMs',
    'takenAt',
  ])
  for (let start = 0; start < rows.length; start += CHUNK) {
    const patches = []
    for (const row of rows.slice(start, start + CHUNK)) {
      const metadata = await metadataOf(row.path, row.takenAt !== null)
      // A date the earlier, full read found stays, even if the file cannot be read now.
      const known = metadata?.takenAt
        ? metadata
        : row.takenAt
          ? { takenAt: row.takenAt, dateSource: 'exif' as const }
          : null
      const date = captureDate({
        metadata: known,
        fileName: path.basename(row.path),
        mtimeMs: row.mtimeMs,
        nowMs,
      })
      patches.push({ id: row.id, takenAt: date.takenAt, dateSource: date.dateSource })
    }
    await store.patch(patches)
  }
  return rows.length
}
