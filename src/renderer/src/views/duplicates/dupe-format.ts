/** How a duplicate's facts read on its card. */
import type { DupePhoto } from '../../../../shared/contract'
import { SHORT_MONTH_NAMES } from '../../../../shared/month-names'

/** The last part of a path, whichever separator the host uses. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/)
  return parts[parts.length - 1] || path
}

/** The folder, shortened to its last two parts ("…/Trips/Rome"); the full path goes in a tooltip. */
export function shortFolder(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean)
  parts.pop()
  if (parts.length === 0) return '/'
  return parts.length <= 2 ? parts.join('/') : `…/${parts.slice(-2).join('/')}`
}

export function dimensions(photo: Pick<DupePhoto, 'width' | 'height'>): string {
  return photo.width && photo.height ? `${photo.width} × ${photo.height}` : 'Unknown size'
}

/** "14 Mar 2024, 10:32" from the engine's capture date (no zone: shown as recorded). */
export function formatTaken(iso: string | null): string {
  if (!iso) return 'No date'
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(iso)
  if (!m) return iso
  const month = SHORT_MONTH_NAMES[Number(m[2]) - 1]
  if (!month) return iso
  const day = `${Number(m[3])} ${month} ${m[1]}`
  return m[4] ? `${day}, ${m[4]}:${m[5]}` : day
}

export function formatName(format: string | null): string {
  if (!format) return '—'
  const f = format.toLowerCase()
  return f === 'jpg' ? 'JPEG' : f.toUpperCase()
}
