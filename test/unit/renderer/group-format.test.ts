import { describe, expect, it } from 'vitest'
import {
  countAndDates,
  formatDateRange,
  groupTitle,
  suggestedAlbumName,
  uniqueName,
} from '../../../src/renderer/src/views/groups/group-format'

describe('group labels', () => {
  it('formats date ranges compactly', () => {
    expect(formatDateRange('2024-03-14T10:00:00', '2024-03-14T18:00:00')).toBe('14 Mar 2024')
    expect(formatDateRange('2024-03-12T10:00:00', '2024-03-14T18:00:00')).toBe('12–14 Mar 2024')
    expect(formatDateRange('2024-02-28', '2024-03-02')).toBe('28 Feb – 2 Mar 2024')
    expect(formatDateRange('2023-12-30', '2024-01-02')).toBe('30 Dec 2023 – 2 Jan 2024')
    expect(formatDateRange(null, '2024-01-02')).toBe('2 Jan 2024')
    expect(formatDateRange(null, null)).toBe('No date')
    expect(formatDateRange('garbage', null)).toBe('No date')
  })

  it('keeps a card’s count and each date whole, breaking only between the parts', () => {
    const nb = '\u00a0'
    expect(countAndDates({ photos: [1, 2], from: '2026-12-06', to: '2026-12-06' })).toBe(
      `2${nb}photos · 6${nb}Dec${nb}2026`,
    )
    expect(countAndDates({ photos: [1], from: '2024-02-28', to: '2024-03-02' })).toBe(
      `1${nb}photos · 28${nb}Feb – 2${nb}Mar${nb}2024`,
    )
  })

  it('suggests an album name from the dates', () => {
    const photos = ['a', 'b', 'c']
    expect(suggestedAlbumName({ from: '2024-03-01', to: '2024-03-20', photos })).toBe('Group — March 2024')
    expect(suggestedAlbumName({ from: '2024-03-30', to: '2024-04-02', photos })).toBe(
      'Group — March–April 2024',
    )
    expect(suggestedAlbumName({ from: '2023-12-30', to: '2024-01-02', photos })).toBe(
      'Group — December 2023 – January 2024',
    )
    expect(suggestedAlbumName({ from: null, to: null, photos })).toBe('Group of 3 photos')
  })

  it("prefers the engine's name from labels and dates, for the title and the album", () => {
    const photos = ['a', 'b']
    const named = { name: 'Daisies · May 2021', from: '2021-05-02', to: '2021-05-09', photos }
    expect(suggestedAlbumName(named)).toBe('Daisies · May 2021')
    expect(groupTitle(named)).toBe('Daisies · May 2021')
    // "Photos" is the engine's name when it knows neither labels nor dates: the old wording is clearer.
    expect(groupTitle({ name: 'Photos', from: null, to: null, photos })).toBe('Group of 2 photos')
    expect(groupTitle({ from: '2024-03-14', to: '2024-03-14', photos })).toBe('14 Mar 2024')
  })

  it('makes a name unique among existing albums, ignoring case', () => {
    expect(uniqueName('Trip', [])).toBe('Trip')
    expect(uniqueName('Trip', ['trip'])).toBe('Trip (2)')
    expect(uniqueName('Trip', ['Trip', 'Trip (2)'])).toBe('Trip (3)')
  })
})
