import { describe, expect, it } from 'vitest'
import type { DupeGroupView, DupePhoto } from '../../../src/shared/contract'
import {
  extrasOf,
  formatBytes,
  groupKey,
  keeperOf,
  summarize,
  summaryLine,
} from '../../../src/renderer/src/views/duplicates/dupe-summary'

const photo = (id: string, size: number): DupePhoto => ({
  id,
  path: `/photos/${id}.jpg`,
  size,
  width: 100,
  height: 100,
  format: 'jpeg',
  takenAt: null,
  camera: null,
})

const group = (keep: string, ...photos: DupePhoto[]): DupeGroupView => ({
  kind: 'exact',
  keep,
  reason: 'Highest resolution',
  photos,
})

const a = group('a1', photo('a1', 5_000_000), photo('a2', 3_000_000), photo('a3', 2_000_000))
const b = group('b1', photo('b1', 1_200_000), photo('b2', 1_100_000))

describe('duplicate summary', () => {
  it('counts every member but the suggested keeper', () => {
    const s = summarize([a, b], new Map())
    expect(s).toMatchObject({ groups: 2, extraCopies: 3, bytesToFree: 6_100_000 })
    expect(s.extraIds).toEqual(['a2', 'a3', 'b2'])
  })

  it('follows the keeper the user chose', () => {
    const chosen = new Map([[groupKey(a), 'a3']])
    expect(keeperOf(a, chosen)).toBe('a3')
    expect(extrasOf(a, 'a3').map((p) => p.id)).toEqual(['a1', 'a2'])
    const s = summarize([a, b], chosen)
    expect(s.bytesToFree).toBe(8_000_000 + 1_100_000)
    expect(s.extraIds).toEqual(['a1', 'a2', 'b2'])
  })

  it('ignores a choice that is no longer in the group', () => {
    const chosen = new Map([[groupKey(a), 'gone']])
    expect(keeperOf(a, chosen)).toBe('a1')
  })

  it('keys a group by its members, whatever their order', () => {
    expect(groupKey({ photos: [photo('x', 1), photo('y', 1)] })).toBe(
      groupKey({ photos: [photo('y', 1), photo('x', 1)] }),
    )
  })

  it('never counts a photo twice', () => {
    const twice = group('c1', photo('c1', 10), photo('a2', 3_000_000))
    const s = summarize([a, twice], new Map())
    expect(s.extraIds).toEqual(['a2', 'a3'])
    expect(s.bytesToFree).toBe(5_000_000)
  })

  it('is empty without groups', () => {
    expect(summarize([], new Map())).toEqual({ groups: 0, extraCopies: 0, bytesToFree: 0, extraIds: [] })
  })

  it('formats sizes as file managers do', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(840_000)).toBe('840 kB')
    expect(formatBytes(12_345_678)).toBe('12.3 MB')
    expect(formatBytes(2_100_000_000)).toBe('2.1 GB')
  })

  it('writes the summary line', () => {
    const line = summaryLine(summarize([a, b], new Map()), { one: 'extra copy', many: 'extra copies' })
    expect(line).toBe('2 groups · 3 extra copies · 6.1 MB to free')
    const one = summaryLine(summarize([b], new Map()), { one: 'extra copy', many: 'extra copies' })
    expect(one).toBe('1 group · 1 extra copy · 1.1 MB to free')
  })
})
