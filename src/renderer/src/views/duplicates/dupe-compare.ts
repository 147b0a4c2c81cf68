/**
 * The side-by-side review of two photos of a group: what differs between them (size, format, dimensions and
 * framing, date, camera, where the file is), and the shared zoom and pan both panes show.
 */
import type { DupePhoto } from '../../../../shared/contract'
import { formatBytes } from './dupe-summary'
import { dimensions, fileName, formatName, formatTaken, shortFolder } from './dupe-format'

export interface DiffRow {
  label: string
  left: string
  right: string
  /** The two values differ (shown highlighted). */
  differs: boolean
}

/** Width over height as a short ratio ("4:3", "3:2", "1.78:1"); null when unknown. */
export function aspect(p: Pick<DupePhoto, 'width' | 'height'>): string | null {
  if (!p.width || !p.height) return null
  const r = p.width / p.height
  const known: Array<[number, string]> = [
    [1, '1:1'],
    [4 / 3, '4:3'],
    [3 / 4, '3:4'],
    [3 / 2, '3:2'],
    [2 / 3, '2:3'],
    [16 / 9, '16:9'],
    [9 / 16, '9:16'],
  ]
  for (const [value, name] of known) if (Math.abs(r / value - 1) < 0.01) return name
  return r >= 1 ? `${r.toFixed(2)}:1` : `1:${(1 / r).toFixed(2)}`
}

/** How the framing of `b` relates to `a`: the same shape, or another (a crop or a stretch). */
function framing(a: Pick<DupePhoto, 'width' | 'height'>, b: Pick<DupePhoto, 'width' | 'height'>): DiffRow {
  const left = aspect(a) ?? '—'
  const right = aspect(b) ?? '—'
  return { label: 'Shape', left, right, differs: left !== right }
}

/** "1 May 2024, 10:00:01": frames of a burst differ by seconds, so the review shows them. */
export function takenToTheSecond(iso: string | null): string {
  const day = formatTaken(iso)
  const s = iso ? /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:(\d{2})/.exec(iso) : null
  return s ? `${day}:${s[1]}` : day
}

/** The facts of two photos, row by row, each marked when the two differ. */
export function differences(a: DupePhoto, b: DupePhoto): DiffRow[] {
  const row = (label: string, left: string, right: string): DiffRow => ({
    label,
    left,
    right,
    differs: left !== right,
  })
  return [
    row('Dimensions', dimensions(a), dimensions(b)),
    framing(a, b),
    row('File size', formatBytes(a.size), formatBytes(b.size)),
    row('Format', formatName(a.format), formatName(b.format)),
    row('Date taken', takenToTheSecond(a.takenAt), takenToTheSecond(b.takenAt)),
    row('Camera', a.camera ?? 'Unknown', b.camera ?? 'Unknown'),
    row('Name', fileName(a.path), fileName(b.path)),
    row('Folder', shortFolder(a.path), shortFolder(b.path)),
  ]
}

/** "Same dimensions, format and date" or "Differs in size and date": one line over the table. */
export function differenceLine(rows: readonly DiffRow[]): string {
  const differ = rows.filter((r) => r.differs && r.label !== 'Name' && r.label !== 'Folder')
  if (differ.length === 0) return 'Same dimensions, size, format, date and camera'
  const names = differ.map((r) => r.label.toLowerCase())
  const list =
    names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`
  return `Differs in ${list}`
}

/**
 * The zoom and pan both panes show: the picture scaled by `scale` around the pane's centre, then moved by
 * (x, y) pixels. Scale 1 fits the picture in the pane.
 */
export interface ZoomView {
  scale: number
  x: number
  y: number
}

export const MIN_ZOOM = 1
export const MAX_ZOOM = 8

export const FIT: Readonly<ZoomView> = Object.freeze({ scale: 1, x: 0, y: 0 })

/** Keeps the picture covering the pane's centre: at scale s, a pane of size w may move by ±w(s−1)/2. */
function clampPan(v: ZoomView, width: number, height: number): ZoomView {
  const mx = (width * (v.scale - 1)) / 2
  const my = (height * (v.scale - 1)) / 2
  return { scale: v.scale, x: Math.max(-mx, Math.min(mx, v.x)), y: Math.max(-my, Math.min(my, v.y)) }
}

/**
 * Zooms by `factor` keeping the point under (px, py) still (pane coordinates from its centre), within
 * MIN_ZOOM..MAX_ZOOM, in a pane of width × height.
 */
export function zoomAt(
  v: ZoomView,
  factor: number,
  px: number,
  py: number,
  width: number,
  height: number,
): ZoomView {
  const scale = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, v.scale * factor))
  const k = scale / v.scale
  // A point p on screen shows picture point (p − t) / s; keep it under p after the zoom.
  return clampPan({ scale, x: px - (px - v.x) * k, y: py - (py - v.y) * k }, width, height)
}

/** Moves the zoomed picture by (dx, dy) pixels, within the pane. */
export function panBy(v: ZoomView, dx: number, dy: number, width: number, height: number): ZoomView {
  return clampPan({ scale: v.scale, x: v.x + dx, y: v.y + dy }, width, height)
}
