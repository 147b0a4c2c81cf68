import { describe, expect, it } from 'vitest'
import {
  buildTimelineRows,
  columnsFor,
  NO_DATE_LABEL,
  type PhotoRow,
  type TimelineRows,
} from '../../../src/renderer/src/views/library/timeline-rows.js'

/** Local-time milliseconds, as the grid groups by the user's own calendar. */
const at = (year: number, month: number, day: number, hour = 12) =>
  new Date(year, month - 1, day, hour).getTime()

const ids = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** The rows as text, e.g. ['# March 2024 (3)', 'p0 p1', 'p2']. */
function describeRows(model: TimelineRows): string[] {
  return model.rows.map((r) =>
    r.kind === 'header' ? `# ${r.label} (${r.count})` : model.order.slice(r.start, r.end).join(' '),
  )
}

describe('buildTimelineRows', () => {
  it('starts a section at each month, newest first, and fills rows of `columns` photos', () => {
    const takenAt = [
      at(2024, 3, 31, 23),
      at(2024, 3, 15),
      at(2024, 3, 1, 0),
      at(2024, 2, 29, 23),
      at(2024, 2, 1),
      at(2023, 12, 31),
      at(2023, 1, 1),
    ]
    const model = buildTimelineRows(ids(7), takenAt, 2)
    expect(describeRows(model)).toEqual([
      '# March 2024 (3)',
      'p0 p1',
      'p2',
      '# February 2024 (2)',
      'p3 p4',
      '# December 2023 (1)',
      'p5',
      '# January 2023 (1)',
      'p6',
    ])
    expect(model.order).toEqual(ids(7))
    expect(model.columns).toBe(2)
  })

  it('separates the same month of different years', () => {
    const model = buildTimelineRows(ids(2), [at(2024, 5, 10), at(2023, 5, 10)], 4)
    expect(describeRows(model)).toEqual(['# May 2024 (1)', 'p0', '# May 2023 (1)', 'p1'])
  })

  it('gathers photos without a date into one "No date" section at the end', () => {
    const takenAt = [at(2024, 3, 2), null, at(2024, 3, 1), null, at(2022, 7, 4)]
    const model = buildTimelineRows(ids(5), takenAt, 3)
    expect(describeRows(model)).toEqual([
      '# March 2024 (2)',
      'p0 p2',
      '# July 2022 (1)',
      'p4',
      `# ${NO_DATE_LABEL} (2)`,
      'p1 p3',
    ])
    expect(model.order).toEqual(['p0', 'p2', 'p4', 'p1', 'p3'])
    expect(model.positionOf('p1')).toBe(3)
    expect(model.rowOf('p3')).toBe(5)
  })

  it('is a single "No date" section when nothing has a date', () => {
    const model = buildTimelineRows(ids(3), [null, null, null], 2)
    expect(describeRows(model)).toEqual([`# ${NO_DATE_LABEL} (3)`, 'p0 p1', 'p2'])
  })

  it('is empty for an empty timeline', () => {
    const model = buildTimelineRows([], [], 5)
    expect(model.rows).toEqual([])
    expect(model.rowOf('x')).toBe(-1)
    expect(model.rowOfPosition(0)).toBe(-1)
  })

  it('re-cuts the rows when the column count changes, keeping the sections', () => {
    const takenAt = [...Array(5).fill(at(2024, 1, 20)), ...Array(3).fill(at(2023, 11, 2))] as number[]
    const wide = buildTimelineRows(ids(8), takenAt, 4)
    const narrow = buildTimelineRows(ids(8), takenAt, 2)
    expect(describeRows(wide)).toEqual([
      '# January 2024 (5)',
      'p0 p1 p2 p3',
      'p4',
      '# November 2023 (3)',
      'p5 p6 p7',
    ])
    expect(describeRows(narrow)).toEqual([
      '# January 2024 (5)',
      'p0 p1',
      'p2 p3',
      'p4',
      '# November 2023 (3)',
      'p5 p6',
      'p7',
    ])
    expect(wide.rowOf('p6')).toBe(4)
    expect(narrow.rowOf('p6')).toBe(5)
  })

  it('treats fewer than one column as one', () => {
    const model = buildTimelineRows(ids(2), [at(2024, 1, 1), at(2024, 1, 2)], 0)
    expect(model.columns).toBe(1)
    expect(describeRows(model)).toEqual(['# January 2024 (2)', 'p0', 'p1'])
  })

  it('finds the row of every photo by id and by position', () => {
    const takenAt = [at(2024, 4, 2), at(2024, 4, 1), at(2024, 3, 9), null]
    const model = buildTimelineRows(ids(4), takenAt, 10)
    model.order.forEach((id, position) => {
      const row = model.rows[model.rowOf(id)] as PhotoRow
      expect(row.kind).toBe('photos')
      expect(position).toBeGreaterThanOrEqual(row.start)
      expect(position).toBeLessThan(row.end)
      expect(model.rowOfPosition(position)).toBe(model.rowOf(id))
    })
    expect(model.rowOf('not-there')).toBe(-1)
  })

  it('handles 100,000 photos over many years', () => {
    const n = 100_000
    const newest = at(2025, 6, 30)
    const hour = 3_600_000
    const takenAt = Array.from({ length: n }, (_, i) => (i % 997 === 0 ? null : newest - i * 2 * hour))
    const model = buildTimelineRows(ids(n), takenAt, 7)
    const headers = model.rows.filter((r) => r.kind === 'header')
    // 200,000 hours is about 22.8 years: about 274 months, plus the "No date" section.
    expect(headers.length).toBeGreaterThan(270)
    expect(headers.length).toBeLessThan(280)
    expect(headers.at(-1)).toMatchObject({ label: NO_DATE_LABEL, count: Math.ceil(n / 997) })
    expect(headers.reduce((sum, h) => sum + (h.kind === 'header' ? h.count : 0), 0)).toBe(n)
    // Every photo is in exactly one row, and no row is wider than the grid.
    let covered = 0
    for (const r of model.rows) {
      if (r.kind !== 'photos') continue
      expect(r.end - r.start).toBeLessThanOrEqual(7)
      covered += r.end - r.start
    }
    expect(covered).toBe(n)
    expect(model.rows[model.rowOf('p99999')]).toMatchObject({ kind: 'photos' })
  })
})

describe('columnsFor', () => {
  it('fits tiles of about the target size', () => {
    expect(columnsFor(1000, 160, 4)).toBe(6)
    expect(columnsFor(164 * 8 - 4, 160, 4)).toBe(8)
    expect(columnsFor(100, 160, 4)).toBe(1)
    expect(columnsFor(0, 160, 4)).toBe(1)
  })
})
