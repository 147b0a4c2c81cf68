import { describe, expect, it } from 'vitest'
import {
  fitViewport,
  MAX_ZOOM,
  toScreen,
  toWorld,
  visibleWorld,
  zoomAt,
} from '../../../src/renderer/src/views/map/viewport'

describe('map viewport', () => {
  it('fits the unit square, centred, with a margin', () => {
    const v = fitViewport(800, 600, 50)
    expect(v.scale).toBe(500)
    expect(toScreen(v, 0, 0)).toEqual([150, 50])
    expect(toScreen(v, 1, 1)).toEqual([650, 550])
  })

  it('converts back and forth', () => {
    const v = { scale: 321, tx: -40, ty: 17 }
    const [x, y] = toWorld(v, ...toScreen(v, 0.3, 0.7))
    expect(x).toBeCloseTo(0.3, 10)
    expect(y).toBeCloseTo(0.7, 10)
  })

  it('keeps the point under the cursor in place when zooming', () => {
    const v = fitViewport(800, 600)
    const before = toWorld(v, 300, 200)
    const z = zoomAt(v, 2, 300, 200, v.scale)
    expect(z.scale).toBe(v.scale * 2)
    const after = toWorld(z, 300, 200)
    expect(after[0]).toBeCloseTo(before[0], 10)
    expect(after[1]).toBeCloseTo(before[1], 10)
  })

  it('clamps the zoom', () => {
    const v = fitViewport(800, 600)
    expect(zoomAt(v, 1e9, 0, 0, v.scale).scale).toBe(MAX_ZOOM * v.scale)
    expect(zoomAt(v, 1e-9, 0, 0, v.scale).scale).toBe(0.5 * v.scale)
  })

  it('tells what part of the world is visible', () => {
    const v = { scale: 100, tx: 0, ty: 0 }
    expect(visibleWorld(v, 200, 50)).toEqual([0, 0, 2, 0.5])
  })
})
