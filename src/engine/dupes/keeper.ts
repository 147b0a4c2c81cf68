/**
 * Which photo of a group to keep, and why, in plain language. In order: the highest resolution; at equal
 * resolution the larger file; then the more complete metadata; then the older capture date; then, as a
 * tie-break that only makes the choice deterministic, the shorter path (then the smaller path and id).
 */
import type { DupePhoto } from './types.js'
import { formatBytes } from '../../shared/format-bytes'

type KeeperFields = Pick<
  DupePhoto,
  | 'id'
  | 'path'
  | 'size'
  | 'width'
  | 'height'
  | 'takenAt'
  | 'cameraMake'
  | 'cameraModel'
  | 'latitude'
  | 'longitude'
  | 'altitude'
> &
  Partial<Pick<DupePhoto, 'dateSource'>>

/**
 * The photo's capture date, when there is one: a date taken from the file's modification time only says
 * when this copy was written, so it neither counts as metadata nor makes a copy "older".
 */
function captured(p: Pick<KeeperFields, 'takenAt' | 'dateSource'>): string | null {
  return p.dateSource === 'mtime' ? null : p.takenAt
}

export function pixels(p: KeeperFields): number {
  return (p.width ?? 0) * (p.height ?? 0)
}

/** How many of the metadata fields a keeper cares about are known (0..5). */
export function metadataScore(p: KeeperFields): number {
  return (
    (captured(p) ? 1 : 0) +
    (p.cameraMake ? 1 : 0) +
    (p.cameraModel ? 1 : 0) +
    (p.latitude !== null && p.longitude !== null ? 1 : 0) +
    (p.altitude !== null ? 1 : 0)
  )
}

/** Capture time in ms for ordering (wall-clock times read as UTC, which keeps their order); NaN when unknown. */
export function captureTime(p: Pick<KeeperFields, 'takenAt' | 'dateSource'>): number {
  const at = captured(p)
  if (!at) return NaN
  const iso = /(Z|[+-]\d{2}:\d{2})$/.test(at) ? at : `${at}Z`
  return Date.parse(iso)
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

type Criterion = 'resolution' | 'size' | 'metadata' | 'date' | 'path'

/** The first criterion on which a and b differ, and its sign (< 0: a is kept before b). */
function decide(a: KeeperFields, b: KeeperFields): { by: Criterion; sign: number } {
  const pa = pixels(a)
  const pb = pixels(b)
  if (pa !== pb) return { by: 'resolution', sign: pb - pa }
  if (a.size !== b.size) return { by: 'size', sign: b.size - a.size }
  const ma = metadataScore(a)
  const mb = metadataScore(b)
  if (ma !== mb) return { by: 'metadata', sign: mb - ma }
  const ta = captureTime(a)
  const tb = captureTime(b)
  if (!Number.isNaN(ta) || !Number.isNaN(tb)) {
    if (Number.isNaN(tb)) return { by: 'date', sign: -1 }
    if (Number.isNaN(ta)) return { by: 'date', sign: 1 }
    if (ta !== tb) return { by: 'date', sign: ta - tb }
  }
  const sign = a.path.length - b.path.length || compareStrings(a.path, b.path) || compareStrings(a.id, b.id)
  return { by: 'path', sign }
}

/** Keeper order: the photo to keep first. */
export function compareForKeeping(a: KeeperFields, b: KeeperFields): number {
  return decide(a, b).sign
}

/** The members in keeper order, and the reason the first one is kept rather than the second. */
export function chooseKeeper<T extends KeeperFields>(
  members: readonly T[],
  identical = false,
): { order: T[]; reason: string } {
  if (members.length === 0) throw new Error('A group needs at least one photo.')
  const order = [...members].sort(compareForKeeping)
  const keep = order[0]!
  if (order.length === 1) return { order, reason: 'Only photo' }
  const { by } = decide(keep, order[1]!)
  switch (by) {
    case 'resolution':
      return { order, reason: `Highest resolution (${keep.width}×${keep.height})` }
    case 'size':
      return { order, reason: `Largest file at equal resolution (${formatBytes(keep.size)})` }
    case 'metadata':
      return { order, reason: 'Most complete metadata' }
    case 'date':
      return { order, reason: `Oldest capture date (${keep.takenAt})` }
    case 'path':
      return {
        order,
        reason: identical
          ? 'Identical files: kept the one with the shortest path'
          : 'Same resolution, size, metadata and date: kept the one with the shortest path',
      }
  }
}
