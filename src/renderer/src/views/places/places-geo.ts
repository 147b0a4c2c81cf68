/**
 * The Places map's geometry, pure (no DOM): a Web Mercator view (scale and translation in screen px)
 * that pans, zooms about a point and fits a set of positions, and the supercluster zoom level and
 * bounding box that go with it.
 */

/** The Mercator view: screen x = scale * λ(rad) + tx; screen y = ty - scale * ln(tan(π/4 + φ/2)). */
export interface GeoView {
  scale: number
  tx: number
  ty: number
}

export const MAX_LAT = 85.0511

const RAD = Math.PI / 180

export function project(view: GeoView, lon: number, lat: number): [number, number] {
  const phi = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * RAD
  return [view.scale * lon * RAD + view.tx, view.ty - view.scale * Math.log(Math.tan(Math.PI / 4 + phi / 2))]
}

export function invert(view: GeoView, x: number, y: number): [number, number] {
  const lon = (x - view.tx) / view.scale / RAD
  const lat = (2 * Math.atan(Math.exp((view.ty - y) / view.scale)) - Math.PI / 2) / RAD
  return [lon, lat]
}

/** The smallest scale: the whole world as wide as the screen. */
export function minScale(width: number): number {
  return Math.max(1, width) / (2 * Math.PI)
}

/** The largest: about street level (supercluster zoom 16). */
export function maxScale(): number {
  return (256 * 2 ** 16) / (2 * Math.PI)
}

/** Zooms by `factor` keeping the map point under (px, py) in place; the scale stays within bounds. */
export function zoomAt(view: GeoView, factor: number, px: number, py: number, width: number): GeoView {
  const scale = Math.max(minScale(width), Math.min(maxScale(), view.scale * factor))
  const f = scale / view.scale
  return { scale, tx: px - (px - view.tx) * f, ty: py - (py - view.ty) * f }
}

/** Keeps the world on screen: no panning past the poles or (when the world is wider than the screen) the date line. */
export function clampView(view: GeoView, width: number, height: number): GeoView {
  const worldW = 2 * Math.PI * view.scale
  const half = worldW / 2
  // The map spans x in [tx - half, tx + half].
  let tx = view.tx
  if (worldW <= width) tx = width / 2
  else tx = Math.min(half, Math.max(width - half, tx))
  const [, top] = project({ ...view, tx }, 0, MAX_LAT)
  const [, bottom] = project({ ...view, tx }, 0, -MAX_LAT)
  let ty = view.ty
  const mapH = bottom - top
  if (mapH <= height) ty += height / 2 - (top + bottom) / 2
  else if (top > 0) ty -= top
  else if (bottom < height) ty += height - bottom
  return { scale: view.scale, tx, ty }
}

/** The view that shows every position with a margin (a single place is shown at about city scale). */
export function fitView(
  points: ReadonlyArray<{ lat: number; lon: number }>,
  width: number,
  height: number,
  margin = 60,
): GeoView {
  const base = minScale(width)
  const world: GeoView = { scale: base, tx: width / 2, ty: height / 2 }
  if (points.length === 0) return clampView(world, width, height)
  const unit: GeoView = { scale: 1, tx: 0, ty: 0 }
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  for (const p of points) {
    const [x, y] = project(unit, p.lon, p.lat)
    x0 = Math.min(x0, x)
    x1 = Math.max(x1, x)
    y0 = Math.min(y0, y)
    y1 = Math.max(y1, y)
  }
  const w = Math.max(1e-9, x1 - x0)
  const h = Math.max(1e-9, y1 - y0)
  const fit = Math.min((width - 2 * margin) / w, (height - 2 * margin) / h)
  // Not closer than about a region (zoom 10) for one photo or a tight cluster.
  const scale = Math.max(base, Math.min(fit, (256 * 2 ** 10) / (2 * Math.PI)))
  const cx = (x0 + x1) / 2
  const cy = (y0 + y1) / 2
  return clampView({ scale, tx: width / 2 - cx * scale, ty: height / 2 - cy * scale }, width, height)
}

/** Supercluster's zoom for this view (its zoom z draws the world 256·2^z px wide). */
export function clusterZoom(view: GeoView): number {
  return Math.max(0, Math.min(16, Math.floor(Math.log2((2 * Math.PI * view.scale) / 256))))
}

/** The [west, south, east, north] box on screen, for supercluster.getClusters. */
export function visibleBox(view: GeoView, width: number, height: number): [number, number, number, number] {
  const [west, north] = invert(view, 0, 0)
  const [east, south] = invert(view, width, height)
  if (east - west >= 360) return [-180, Math.max(-MAX_LAT, south), 180, Math.min(MAX_LAT, north)]
  return [Math.max(-180, west), Math.max(-MAX_LAT, south), Math.min(180, east), Math.min(MAX_LAT, north)]
}

/** "Paris, France" for a set of places: the most common city (and its country), with how many more. */
export function placeTitle(places: ReadonlyArray<{ city: string | null; country: string | null }>): string {
  const counts = new Map<string, number>()
  for (const p of places) {
    const key = p.city ? (p.country ? `${p.city}, ${p.country}` : p.city) : (p.country ?? '')
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  if (counts.size === 0) return 'Unknown place'
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const first = sorted[0]![0]
  return sorted.length > 1
    ? `${first} and ${sorted.length - 1} more ${sorted.length === 2 ? 'place' : 'places'}`
    : first
}
