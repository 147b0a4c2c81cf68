import { describe, expect, it } from 'vitest'
import {
  buildTimelineRows,
  reverseTimeline,
  yearMarks,
} from '../../../src/renderer/src/views/library/timeline-rows'

const t = (y: number, m: number, d = 1) => new Date(y, m, d, 12).getTime()

describe('timeline sections and the scrubber', () => {
  // Newest first: two photos in March 2024, one in January 2024, three in 2019, one undated.
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
  const takenAt = [t(2024, 2, 9), t(2024, 2, 2), t(2024, 0), t(2019, 6), t(2019, 6), null, t(2019, 5)]

  it('lists each month section with its year and month, and the undated ones last', () => {
    const m = buildTimelineRows(ids, takenAt, 2)
    expect(m.sections.map((s) => [s.label, s.year, s.month, s.count])).toEqual([
      ['March 2024', 2024, 2, 2],
      ['January 2024', 2024, 0, 1],
      ['July 2019', 2019, 6, 2],
      ['June 2019', 2019, 5, 1],
      ['No date', null, null, 1],
    ])
    for (const s of m.sections) expect(m.rows[s.row]).toMatchObject({ kind: 'header', label: s.label })
    expect(m.sections.map((s) => s.index)).toEqual([0, 1, 2, 3, 4])
  })

  it('places each year at its first header, as the virtual list lays rows out', () => {
    const m = buildTimelineRows(ids, takenAt, 2)
    const header = 50
    const row = 100
    // Rows: H(Mar) P H(Jan) P H(Jul) P H(Jun) P H(none) P = 5 headers, 5 photo rows.
    const total = 4 + 5 * header + 5 * row
    const marks = yearMarks(m.sections, header, row, 4, total)
    expect(marks.map((k) => [k.label, k.offset])).toEqual([
      ['2024', 4],
      ['2019', 4 + 2 * header + 2 * row],
      ['No date', 4 + 4 * header + 4 * row],
    ])
    expect(marks[1]!.fraction).toBeCloseTo(304 / total)
    expect(marks[1]!.row).toBe(4)
  })

  it('sorts oldest first with the undated photos still last', () => {
    const r = reverseTimeline(ids, takenAt)
    const m = buildTimelineRows(r.ids, r.takenAt, 3)
    expect(m.sections.map((s) => s.label)).toEqual([
      'June 2019',
      'July 2019',
      'January 2024',
      'March 2024',
      'No date',
    ])
    expect(m.order).toEqual(['g', 'e', 'd', 'c', 'b', 'a', 'f'])
  })
})
