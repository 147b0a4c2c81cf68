import { describe, expect, it } from 'vitest'
import { chooseKeeper } from '../../../src/engine/dupes/index.js'
import { photo } from './support.js'

const keep = (...ps: ReturnType<typeof photo>[]) => {
  const { order, reason } = chooseKeeper(ps)
  return { keep: order[0]!.id, order: order.map((p) => p.id), reason }
}

describe('chooseKeeper', () => {
  it('keeps the highest resolution first, whatever the file size', () => {
    const r = keep(
      photo('small', { width: 2000, height: 1500, size: 9_000_000 }),
      photo('big', { width: 4000, height: 3000, size: 2_000_000 }),
    )
    expect(r).toEqual({ keep: 'big', order: ['big', 'small'], reason: 'Highest resolution (4000×3000)' })
  })

  it('then the larger file at equal resolution', () => {
    const r = keep(
      photo('q40', { width: 4000, height: 3000, size: 800_000 }),
      photo('q95', { width: 4000, height: 3000, size: 3_500_000 }),
    )
    expect(r.keep).toBe('q95')
    expect(r.reason).toBe('Largest file at equal resolution (3.5 MB)')
  })

  it('does not take a date read from the file time for a capture date', () => {
    // Two copies written a second apart: the older file time says nothing about the picture.
    const r = keep(
      photo('a', { takenAt: '2026-12-06T03:40:02', dateSource: 'mtime' }),
      photo('bb', { takenAt: '2026-12-06T03:40:01', dateSource: 'mtime' }),
    )
    expect(r.keep).toBe('a')
    expect(r.reason).not.toMatch(/capture date/)
    const exif = keep(
      photo('a', { takenAt: '2019-05-13T10:10:12', dateSource: 'exif' }),
      photo('bb', { takenAt: '2019-05-13T10:10:10', dateSource: 'exif' }),
    )
    expect(exif).toMatchObject({ keep: 'bb', reason: 'Oldest capture date (2019-05-13T10:10:10)' })
  })

  it('then the richer metadata', () => {
    const r = keep(
      photo('stripped'),
      photo('camera', { takenAt: '2020-01-01T10:00:00', cameraMake: 'Canon', cameraModel: 'EOS' }),
      photo('partial', { cameraMake: 'Canon' }),
    )
    expect(r).toEqual({
      keep: 'camera',
      order: ['camera', 'partial', 'stripped'],
      reason: 'Most complete metadata',
    })
  })

  it('then the older capture date, a known date before an unknown one', () => {
    const meta = { cameraMake: 'Canon', cameraModel: 'EOS', latitude: 1, longitude: 2 }
    const r = keep(
      photo('newer', { ...meta, takenAt: '2021-05-01T10:00:00' }),
      photo('older', { ...meta, takenAt: '2019-05-01T10:00:00.120+02:00' }),
    )
    expect(r.keep).toBe('older')
    expect(r.reason).toBe('Oldest capture date (2019-05-01T10:00:00.120+02:00)')
    const known = keep(
      photo('none', { size: 10, cameraMake: 'x' }),
      photo('dated', { size: 10, takenAt: '2020-01-01T00:00:00' }),
    )
    expect(known.keep).toBe('dated')
  })

  it('breaks full ties by the shortest path, then the path, deterministically', () => {
    const a = photo('a', { path: '/photos/2020/holiday/IMG_1.jpg' })
    const b = photo('b', { path: '/photos/IMG_1.jpg' })
    const c = photo('c', { path: '/photos/IMG_0.jpg' })
    for (const input of [
      [a, b, c],
      [c, b, a],
      [b, a, c],
    ]) {
      const r = chooseKeeper(input, true)
      expect(r.order.map((p) => p.id)).toEqual(['c', 'b', 'a'])
      expect(r.reason).toBe('Identical files: kept the one with the shortest path')
    }
    expect(chooseKeeper([a, b]).reason).toMatch(/^Same resolution, size, metadata and date/)
  })

  it('treats a photo of unknown size as the lowest resolution', () => {
    expect(keep(photo('unknown', { width: null, height: null }), photo('known')).keep).toBe('known')
  })
})
