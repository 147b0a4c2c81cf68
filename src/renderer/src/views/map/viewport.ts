/**
 * The map's camera: world coordinates (the layout's [0, 1]²) to screen pixels and back, zooming about a
 * point so what is under the cursor stays there.
 */
export interface Viewport {
  /** Screen pixels per world unit. */
  scale: number
  /** Screen position of the world origin. */
  tx: number
  ty: number
}

export const MIN_ZOOM = 0.5
export const MAX_ZOOM = 400

/** The viewport that fits the unit square in a width × height box with a margin (pixels). */
export function fitViewport(width: number, height: number, margin = 24): Viewport {
  const scale = Math.max(1, Math.min(width, height) - 2 * margin)
  return { scale, tx: (width - scale) / 2, ty: (height - scale) / 2 }
}

export function toScreen(v: Viewport, x: number, y: number): [number, number] {
  return [x * v.scale + v.tx, y * v.scale + v.ty]
}

export function toWorld(v: Viewport, sx: number, sy: number): [number, number] {
  return [(sx - v.tx) / v.scale, (sy - v.ty) / v.scale]
}

/**
 * Zooms by `factor` about the screen point (sx, sy), keeping the zoom (relative to `fitScale`, the
 * scale that shows everything) within [MIN_ZOOM, MAX_ZOOM].
 */
export function zoomAt(v: Viewport, factor: number, sx: number, sy: number, fitScale: number): Viewport {
  const scale = Math.min(MAX_ZOOM * fitScale, Math.max(MIN_ZOOM * fitScale, v.scale * factor))
  const k = scale / v.scale
  return { scale, tx: sx - (sx - v.tx) * k, ty: sy - (sy - v.ty) * k }
}

/** The world rectangle the screen shows: [x0, y0, x1, y1]. */
export function visibleWorld(v: Viewport, width: number, height: number): [number, number, number, number] {
  const [x0, y0] = toWorld(v, 0, 0)
  const [x1, y1] = toWorld(v, width, height)
  return [x0, y0, x1, y1]
}
