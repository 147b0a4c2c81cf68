import { MONTH_NAMES } from '../../../../shared/month-names'
/**
 * The library grid's row model: the timeline (ids newest first, with capture times) cut into month
 * sections, each a header row followed by rows of `columns` photos. Pure and O(n), so it is rebuilt only
 * when the timeline or the column count changes, and the virtual list just indexes into it.
 *
 * Photos without a capture date are gathered into one "No date" section at the end (the host sorts them
 * among the dated ones by file time, which would otherwise split months). `order` is the display order:
 * selection ranges and the viewer step through photos in it.
 */

export interface HeaderRow {
  kind: 'header'
  key: string
  label: string
  /** Photos in this section. */
  count: number
}

export interface PhotoRow {
  kind: 'photos'
  key: string
  /** Positions in `order`: this row shows order[start] … order[end - 1]. */
  start: number
  end: number
}

export type TimelineRow = HeaderRow | PhotoRow

/** A month section, for the scrubber: where its header row is and which month it is (null: "No date"). */
export interface Section {
  row: number
  /** How many header rows come before this one (with `row`, gives the section's offset in px). */
  index: number
  year: number | null
  month: number | null
  label: string
  count: number
}

export interface TimelineRows {
  rows: TimelineRow[]
  sections: Section[]
  /** Every photo id in display order. */
  order: readonly string[]
  columns: number
  /** The row holding order[position]. */
  rowOfPosition(position: number): number
  /** The position of a photo in `order`, or -1. */
  positionOf(id: string): number
  /** The row holding a photo, or -1 when it is not in the timeline. */
  rowOf(id: string): number
}

export const NO_DATE_LABEL = 'No date'

/** "March 2024", in local time. */
export function monthLabel(year: number, month: number): string {
  return `${MONTH_NAMES[month]} ${year}`
}

export function buildTimelineRows(
  ids: readonly string[],
  takenAt: ReadonlyArray<number | null>,
  columns: number,
): TimelineRows {
  const cols = Math.max(1, Math.floor(columns))
  const n = ids.length

  // Display order: dated photos as given, then the undated ones. No copy when every photo has a date.
  let order: readonly string[] = ids
  let dated = n
  let undated: string[] | null = null
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(takenAt[i])) {
      undated = []
      break
    }
  }
  let times: ReadonlyArray<number | null> = takenAt
  if (undated) {
    const datedIds: string[] = []
    const datedTimes: number[] = []
    for (let i = 0; i < n; i++) {
      const t = takenAt[i]
      if (typeof t === 'number' && Number.isFinite(t)) {
        datedIds.push(ids[i]!)
        datedTimes.push(t)
      } else undated.push(ids[i]!)
    }
    dated = datedIds.length
    order = datedIds.concat(undated)
    times = datedTimes
  }

  const rows: TimelineRow[] = []
  const sections: Section[] = []
  const rowOfPos = new Int32Array(n)

  const section = (key: string, label: string, start: number, end: number, y: number | null = null) => {
    sections.push({
      row: rows.length,
      index: sections.length,
      year: y,
      month: y === null ? null : month,
      label,
      count: end - start,
    })
    rows.push({ kind: 'header', key: `h:${key}`, label, count: end - start })
    for (let s = start; s < end; s += cols) {
      const e = Math.min(end, s + cols)
      rowOfPos.fill(rows.length, s, e)
      rows.push({ kind: 'photos', key: `r:${key}:${s}`, start: s, end: e })
    }
  }

  // Month sections over the dated photos. A Date is made only when a time leaves the current month's
  // bounds, so 100,000 photos cost a few hundred Date objects, not 100,000.
  let start = 0
  let lo = Infinity
  let hi = -Infinity
  let year = 0
  let month = 0
  for (let i = 0; i < dated; i++) {
    const t = times[i] as number
    if (t >= lo && t < hi) continue
    if (i > start) section(`${year}-${month}:${start}`, monthLabel(year, month), start, i, year)
    const d = new Date(t)
    year = d.getFullYear()
    month = d.getMonth()
    lo = new Date(year, month, 1).getTime()
    hi = new Date(year, month + 1, 1).getTime()
    start = i
  }
  if (dated > start) section(`${year}-${month}:${start}`, monthLabel(year, month), start, dated, year)
  if (dated < n) section('none', NO_DATE_LABEL, dated, n)

  let positions: Map<string, number> | null = null
  const positionOf = (id: string): number => {
    if (!positions) {
      positions = new Map()
      for (let i = 0; i < order.length; i++) positions.set(order[i]!, i)
    }
    return positions.get(id) ?? -1
  }

  return {
    rows,
    sections,
    order,
    columns: cols,
    rowOfPosition: (position) => (position >= 0 && position < n ? rowOfPos[position]! : -1),
    positionOf,
    rowOf: (id) => {
      const p = positionOf(id)
      return p < 0 ? -1 : rowOfPos[p]!
    },
  }
}

/** The timeline oldest first: the dated photos reversed (undated ones stay last, see above). */
export function reverseTimeline(
  ids: readonly string[],
  takenAt: ReadonlyArray<number | null>,
): { ids: string[]; takenAt: Array<number | null> } {
  return { ids: ids.slice().reverse(), takenAt: takenAt.slice().reverse() }
}

/**
 * The scrubber's years: for each year, its first section's offset as a fraction of the list's height
 * (sections are laid out as header rows of `headerHeight` and photo rows of `rowHeight`).
 */
export function yearMarks(
  sections: readonly Section[],
  headerHeight: number,
  rowHeight: number,
  paddingStart: number,
  total: number,
): Array<{ year: number | null; label: string; offset: number; fraction: number; row: number }> {
  const out: Array<{ year: number | null; label: string; offset: number; fraction: number; row: number }> = []
  let last: number | null | undefined
  for (const s of sections) {
    if (s.year === last) continue
    last = s.year
    const offset = paddingStart + s.index * headerHeight + (s.row - s.index) * rowHeight
    out.push({
      year: s.year,
      label: s.year === null ? NO_DATE_LABEL : String(s.year),
      offset,
      fraction: total > 0 ? offset / total : 0,
      row: s.row,
    })
  }
  return out
}

/** How many square tiles of about `target` px fit across `width` px with `gap` px between them. */
export function columnsFor(width: number, target: number, gap: number): number {
  if (!(width > 0)) return 1
  return Math.max(1, Math.round((width + gap) / (target + gap)))
}
