import { describe, expect, it } from 'vitest'
import { colourByAlbum, colourByGroup } from '../../../src/renderer/src/views/map/map-colours'
import { categoryColour, UNLABELLED } from '../../../src/renderer/src/views/map/palette'

describe('map colours', () => {
  it('colours each photo by its first album, grey when in none', () => {
    const ids = ['a', 'b', 'c', 'd']
    const c = colourByAlbum(ids, [
      { name: 'Dogs', members: ['b', 'x'] },
      { name: 'Pets', members: ['b', 'c'] },
    ])
    expect(Array.from(c.category)).toEqual([-1, 0, 1, -1])
    expect(c.legend.map((l) => [l.label, l.count])).toEqual([
      ['Dogs', 1],
      ['Pets', 1],
    ])
    expect(c.unlabelled).toBe(2)
    expect(Array.from(c.buckets[2]!)).toEqual([0, 3])
    expect(c.colours[0]).toBe(categoryColour(0))
  })

  it('ranks groups by size and keeps the legend short', () => {
    const c = colourByGroup(['g2', '', 'g1', 'g1', 'g3', 'g1', 'g2'], 2)
    expect(Array.from(c.category)).toEqual([1, -1, 0, 0, 2, 0, 1])
    expect(c.legend.map((l) => l.count)).toEqual([3, 2])
    expect(c.unlabelled).toBe(1)
    expect(c.buckets).toHaveLength(4)
  })

  it('has distinct colours beyond the base palette, grey for none', () => {
    const colours = new Set(Array.from({ length: 40 }, (_, i) => categoryColour(i)))
    expect(colours.size).toBe(40)
    expect(categoryColour(-1)).toBe(UNLABELLED)
  })
})
