/**
 * How groups are labelled: their name (the engine's, from labels and dates: "Daisies · May 2021"), their date
 * range ("12–14 Mar 2024") and the album name they suggest. Dates are the engine's ISO capture dates; the UTC calendar day is used
 * (capture dates carry no zone, so they are stored as if UTC).
 */
import { MONTH_NAMES, SHORT_MONTH_NAMES as MONTHS } from '../../../../shared/month-names'

function parts(iso: string | null): { y: number; m: number; d: number } | null {
  if (!iso) return null
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso)
  if (!match) return null
  const m = Number(match[2]) - 1
  if (m < 0 || m > 11) return null
  return { y: Number(match[1]), m, d: Number(match[3]) }
}

/** "14 Mar 2024", "12–14 Mar 2024", "28 Feb – 2 Mar 2024", "30 Dec 2023 – 2 Jan 2024", or "No date". */
export function formatDateRange(from: string | null, to: string | null): string {
  const a = parts(from) ?? parts(to)
  const b = parts(to) ?? a
  if (!a || !b) return 'No date'
  const day = (p: typeof a) => `${p.d} ${MONTHS[p.m]}`
  if (a.y !== b.y) return `${day(a)} ${a.y} – ${day(b)} ${b.y}`
  if (a.m !== b.m) return `${day(a)} – ${day(b)} ${b.y}`
  if (a.d !== b.d) return `${a.d}–${b.d} ${MONTHS[b.m]} ${b.y}`
  return `${day(a)} ${a.y}`
}

/**
 * "18 photos · 6 Dec 2026", with no-break spaces inside the count and inside each date, so a narrow card
 * breaks the line only between the parts (it used to leave "6" on one line and "Dec 2026" on the next).
 */
export function countAndDates(group: {
  photos: readonly unknown[]
  from: string | null
  to: string | null
}): string {
  const keep = (s: string) => s.replace(/ /g, '\u00a0')
  const range = formatDateRange(group.from, group.to).split(' – ').map(keep).join(' – ')
  return `${keep(`${group.photos.length} photos`)} · ${range}`
}

/**
 * The album name a group suggests: the engine's name from its labels and dates ("Daisies · May 2021"), else
 * "Group — March 2024", or "Group of 23 photos" without dates.
 */
export function suggestedAlbumName(group: {
  from: string | null
  to: string | null
  photos: string[]
  name?: string
}): string {
  if (group.name && group.name !== 'Photos') return group.name
  const a = parts(group.from)
  const b = parts(group.to) ?? a
  if (!a || !b) return `Group of ${group.photos.length} photos`
  if (a.y === b.y && a.m === b.m) return `Group — ${MONTH_NAMES[a.m]} ${a.y}`
  if (a.y === b.y) return `Group — ${MONTH_NAMES[a.m]}–${MONTH_NAMES[b.m]} ${a.y}`
  return `Group — ${MONTH_NAMES[a.m]} ${a.y} – ${MONTH_NAMES[b.m]} ${b.y}`
}

/** An album name not taken yet (names are compared without case): "X", then "X (2)", "X (3)"… */
export function uniqueName(name: string, taken: readonly string[]): string {
  const used = new Set(taken.map((t) => t.trim().toLowerCase()))
  if (!used.has(name.trim().toLowerCase())) return name
  for (let n = 2; ; n++) {
    const candidate = `${name} (${n})`
    if (!used.has(candidate.toLowerCase())) return candidate
  }
}

/** A group's title: its name, else its dates, else its size. */
export function groupTitle(group: {
  name?: string
  from: string | null
  to: string | null
  photos: string[]
}) {
  if (group.name && group.name !== 'Photos') return group.name
  const dates = formatDateRange(group.from, group.to)
  return dates === 'No date' ? `Group of ${group.photos.length} photos` : dates
}
