import { describe, expect, it } from 'vitest'
import type { DupePhoto } from '../../../src/shared/contract'
import {
  aspect,
  differenceLine,
  differences,
  FIT,
  MAX_ZOOM,
  panBy,
  zoomAt,
} from '../../../src/renderer/src/views/duplicates/dupe-compare'

const photo = (over: Partial<DupePhoto> = {}): DupePhoto => ({
  id: 'a',
  path: '/Photos/Rome/IMG_1.jpg',
  size: 2_400_000,
  width: 4000,
  height: 3000,
  format: 'jpeg',
  takenAt: '2024-05-01T10:00:00',
  camera: 'Canon EOS 80D',
  ...over,
})

describe('what differs between two photos', () => {
  it('marks only the facts that differ', () => {
    const rows = differences(
      photo(),
      photo({ id: 'b', path: '/Photos/Rome/IMG_2.jpg', takenAt: '2024-05-01T10:01:00' }),
    )
    const differ = rows.filter((r) => r.differs).map((r) => r.label)
    expect(differ).toEqual(['Date taken', 'Name'])
    expect(differenceLine(rows)).toBe('Differs in date taken')
    // A second apart (a burst): the review shows the seconds.
    const burst = differences(photo(), photo({ id: 'b', takenAt: '2024-05-01T10:00:01' }))
    expect(burst.find((r) => r.label === 'Date taken')).toMatchObject({
      left: '1 May 2024, 10:00:00',
      right: '1 May 2024, 10:00:01',
      differs: true,
    })
  })

  it('shows a crop as another shape, and size, format and camera', () => {
    const rows = differences(
      photo(),
      photo({ id: 'b', width: 1920, height: 1080, size: 300_000, format: 'png', camera: null }),
    )
    const byLabel = Object.fromEntries(rows.map((r) => [r.label, r]))
    expect(byLabel.Shape).toMatchObject({ left: '4:3', right: '16:9', differs: true })
    expect(byLabel.Dimensions).toMatchObject({ left: '4000 × 3000', right: '1920 × 1080', differs: true })
    expect(byLabel.Format).toMatchObject({ left: 'JPEG', right: 'PNG', differs: true })
    expect(byLabel.Camera).toMatchObject({ left: 'Canon EOS 80D', right: 'Unknown', differs: true })
    expect(differenceLine(rows)).toBe('Differs in dimensions, shape, file size, format and camera')
    expect(differenceLine(differences(photo(), photo({ id: 'b' })))).toMatch(/^Same/)
  })

  it('names aspect ratios', () => {
    expect(aspect({ width: 3000, height: 2000 })).toBe('3:2')
    expect(aspect({ width: 1000, height: 1000 })).toBe('1:1')
    expect(aspect({ width: 2100, height: 1000 })).toBe('2.10:1')
    expect(aspect({ width: null, height: 10 })).toBeNull()
  })
})

describe('the shared zoom', () => {
  it('zooms about the pointer, keeping the point under it still', () => {
    const v = zoomAt(FIT, 2, 100, 50, 800, 600)
    expect(v.scale).toBe(2)
    // Picture point under the pointer before: (100 − 0) / 1; after: (100 − x) / 2.
    expect((100 - v.x) / v.scale).toBeCloseTo(100)
    expect((50 - v.y) / v.scale).toBeCloseTo(50)
  })

  it('stays between fit and the largest zoom, and never pans the picture out of the pane', () => {
    expect(zoomAt(FIT, 0.5, 0, 0, 800, 600)).toEqual(FIT)
    expect(zoomAt(FIT, 100, 0, 0, 800, 600).scale).toBe(MAX_ZOOM)
    const v = panBy(zoomAt(FIT, 2, 0, 0, 800, 600), 10_000, -10_000, 800, 600)
    expect(v).toEqual({ scale: 2, x: 400, y: -300 })
    expect(panBy(FIT, 50, 50, 800, 600)).toEqual(FIT)
  })
})
