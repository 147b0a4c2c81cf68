import { describe, expect, it } from 'vitest'
import {
  clampView,
  clusterZoom,
  fitView,
  invert,
  minScale,
  placeTitle,
  project,
  visibleBox,
  zoomAt,
} from '../../../src/renderer/src/views/places/places-geo'

const W = 1000
const H = 600

describe('the Places map view', () => {
  it('projects and inverts Web Mercator', () => {
    const v = { scale: 500, tx: 400, ty: 300 }
    for (const [lon, lat] of [
      [2.35, 48.85],
      [-74, 40.7],
      [151.2, -33.87],
    ] as const) {
      const [x, y] = project(v, lon, lat)
      const [lon2, lat2] = invert(v, x, y)
      expect(lon2).toBeCloseTo(lon, 9)
      expect(lat2).toBeCloseTo(lat, 9)
    }
    // North is up, east is right.
    expect(project(v, 0, 50)[1]).toBeLessThan(project(v, 0, 0)[1])
    expect(project(v, 10, 0)[0]).toBeGreaterThan(project(v, 0, 0)[0])
  })

  it('zooms about the pointer: the place under it stays there', () => {
    const v = fitView([], W, H)
    const under = invert(v, 700, 200)
    const z = zoomAt(v, 3, 700, 200, W)
    expect(z.scale).toBeCloseTo(v.scale * 3)
    const [x, y] = project(z, under[0], under[1])
    expect(x).toBeCloseTo(700, 6)
    expect(y).toBeCloseTo(200, 6)
    // Never smaller than the world across the screen.
    expect(zoomAt(v, 0.01, 0, 0, W).scale).toBeCloseTo(minScale(W))
  })

  it('fits the places with a margin and maps the view to supercluster zooms', () => {
    const cities = [
      { lat: 48.8566, lon: 2.3522 }, // Paris
      { lat: 51.5072, lon: -0.1276 }, // London
      { lat: 52.52, lon: 13.405 }, // Berlin
    ]
    const v = fitView(cities, W, H)
    for (const c of cities) {
      const [x, y] = project(v, c.lon, c.lat)
      expect(x).toBeGreaterThanOrEqual(59)
      expect(x).toBeLessThanOrEqual(W - 59)
      expect(y).toBeGreaterThanOrEqual(59)
      expect(y).toBeLessThanOrEqual(H - 59)
    }
    expect(clusterZoom(v)).toBeGreaterThanOrEqual(4)
    expect(clusterZoom(fitView([], W, H))).toBe(1) // the world 1000 px wide: zoom log2(1000/256) = 1.97
    const [west, south, east, north] = visibleBox(v, W, H)
    expect(west).toBeLessThan(-0.1276)
    expect(east).toBeGreaterThan(13.405)
    expect(south).toBeLessThan(48.85)
    expect(north).toBeGreaterThan(52.52)
  })

  it('keeps the world on screen', () => {
    const v = clampView({ scale: minScale(W) * 4, tx: 99_999, ty: -99_999 }, W, H)
    const [west, north] = invert(v, 0, 0)
    expect(west).toBeGreaterThanOrEqual(-180 - 1e-9)
    expect(north).toBeLessThanOrEqual(85.06)
  })

  it('names a set of places by the most common one', () => {
    expect(placeTitle([{ city: 'Paris', country: 'France' }])).toBe('Paris, France')
    expect(
      placeTitle([
        { city: 'Lyon', country: 'France' },
        { city: 'Paris', country: 'France' },
        { city: 'Paris', country: 'France' },
      ]),
    ).toBe('Paris, France and 1 more place')
    expect(placeTitle([{ city: null, country: null }])).toBe('Unknown place')
  })
})
