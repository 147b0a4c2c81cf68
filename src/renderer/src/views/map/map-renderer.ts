/**
 * Draws the map on a canvas: every photo a small square in its colour (one path per colour, points off
 * screen skipped), or, zoomed in close, its thumbnail framed in its colour. Selection and hover are
 * drawn over it; the shift-drag rectangle last. Device-pixel-ratio aware.
 */
import type { Colouring } from './map-colours'
import { UNLABELLED } from './palette'
import { countRect, queryRect, type SpatialGrid } from './spatial-grid'
import type { ThumbCache } from './thumb-cache'
import { toScreen, visibleWorld, type Viewport } from './viewport'

export interface MapScene {
  xy: Float32Array
  ids: readonly string[]
  grid: SpatialGrid
  colouring: Colouring
  view: Viewport
  /** Indices of the selected points. */
  selected: Uint32Array
  hover: number
  /** The rubber band, in screen pixels. */
  band: { x0: number; y0: number; x1: number; y1: number } | null
}

export interface Theme {
  accent: string
  text: string
  surface: string
}

/** Thumbnails replace dots once they would be at least this big (CSS px)… */
const MIN_THUMB = 30
/** …and no more than this many are on screen. */
const MAX_THUMBS = 500

/** The typical distance between neighbouring points on screen, from the zoom and the point count. */
function spacing(scene: MapScene): number {
  return scene.view.scale / Math.sqrt(Math.max(1, scene.xy.length / 2))
}

export function dotSize(scene: MapScene): number {
  return Math.min(8, Math.max(2, spacing(scene) * 0.25))
}

/** The thumbnail size when zoomed in enough (else 0: draw dots). */
export function thumbSize(scene: MapScene, width: number, height: number): number {
  const size = Math.min(96, spacing(scene) * 0.9)
  if (size < MIN_THUMB) return 0
  const [x0, y0, x1, y1] = visibleWorld(scene.view, width, height)
  return countRect(scene.grid, x0, y0, x1, y1, MAX_THUMBS) <= MAX_THUMBS ? size : 0
}

/** The hit radius for hover and clicks, in CSS px. */
export function hitRadius(scene: MapScene, width: number, height: number): number {
  const thumb = thumbSize(scene, width, height)
  return thumb > 0 ? thumb * 0.6 : Math.max(6, dotSize(scene))
}

export function drawMap(
  ctx: CanvasRenderingContext2D,
  scene: MapScene,
  width: number,
  height: number,
  dpr: number,
  theme: Theme,
  thumbs: ThumbCache,
): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  const { xy, view, colouring } = scene
  const thumb = thumbSize(scene, width, height)
  if (thumb > 0) {
    drawThumbs(ctx, scene, width, height, thumb, thumbs)
  } else {
    const s = Math.round(dotSize(scene) * dpr) / dpr
    const half = s / 2
    const { scale, tx, ty } = view
    const none = colouring.buckets.length - 1
    // Unlabelled first (underneath), then each colour as one path.
    for (let k = 0; k <= none; k++) {
      const b = k === 0 ? none : k - 1
      const bucket = colouring.buckets[b]!
      if (bucket.length === 0) continue
      ctx.beginPath()
      for (let j = 0; j < bucket.length; j++) {
        const i = bucket[j]!
        const sx = xy[2 * i]! * scale + tx
        const sy = xy[2 * i + 1]! * scale + ty
        if (sx < -s || sy < -s || sx > width + s || sy > height + s) continue
        // Whole device pixels: crisper, and much faster to fill than fractional rectangles.
        ctx.rect(Math.round((sx - half) * dpr) / dpr, Math.round((sy - half) * dpr) / dpr, s, s)
      }
      ctx.fillStyle = b === none ? UNLABELLED : colouring.colours[b]!
      ctx.globalAlpha = b === none ? 0.55 : 0.9
      ctx.fill()
    }
    ctx.globalAlpha = 1
  }
  drawMarks(ctx, scene, width, height, thumb, theme)
}

function drawThumbs(
  ctx: CanvasRenderingContext2D,
  scene: MapScene,
  width: number,
  height: number,
  size: number,
  thumbs: ThumbCache,
): void {
  const { view } = scene
  const [x0, y0, x1, y1] = visibleWorld(view, width, height)
  const pad = size / view.scale
  const visible = queryRect(scene.grid, x0 - pad, y0 - pad, x1 + pad, y1 + pad)
  for (const i of visible) if (i !== scene.hover) drawThumb(ctx, scene, i, size, thumbs)
  // The photo under the pointer on top of its neighbours.
  if (scene.hover >= 0) drawThumb(ctx, scene, scene.hover, size, thumbs)
}

function drawThumb(
  ctx: CanvasRenderingContext2D,
  scene: MapScene,
  i: number,
  size: number,
  thumbs: ThumbCache,
) {
  const { xy, view, colouring, ids } = scene
  const half = size / 2
  const [sx, sy] = toScreen(view, xy[2 * i]!, xy[2 * i + 1]!)
  const c = colouring.category[i]!
  const colour = c < 0 ? UNLABELLED : colouring.colours[c]!
  const img = thumbs.get(ids[i]!)
  ctx.fillStyle = colour
  ctx.fillRect(sx - half - 2, sy - half - 2, size + 4, size + 4)
  if (img) {
    const side = Math.min(img.naturalWidth, img.naturalHeight)
    ctx.drawImage(
      img,
      (img.naturalWidth - side) / 2,
      (img.naturalHeight - side) / 2,
      side,
      side,
      sx - half,
      sy - half,
      size,
      size,
    )
  } else {
    ctx.globalAlpha = 0.35
    ctx.fillRect(sx - half, sy - half, size, size)
    ctx.globalAlpha = 1
  }
}

function drawMarks(
  ctx: CanvasRenderingContext2D,
  scene: MapScene,
  width: number,
  height: number,
  thumb: number,
  theme: Theme,
): void {
  const { xy, view } = scene
  const ring = thumb > 0 ? thumb / 2 + 3 : Math.max(3, dotSize(scene) / 2 + 2)
  if (scene.selected.length > 0) {
    ctx.beginPath()
    for (const i of scene.selected) {
      const [sx, sy] = toScreen(view, xy[2 * i]!, xy[2 * i + 1]!)
      if (sx < -ring || sy < -ring || sx > width + ring || sy > height + ring) continue
      // Squares for thumbnails, and for big selections (thousands of arcs are slow to stroke).
      if (thumb > 0 || scene.selected.length > 2000) ctx.rect(sx - ring, sy - ring, 2 * ring, 2 * ring)
      else {
        ctx.moveTo(sx + ring, sy)
        ctx.arc(sx, sy, ring, 0, Math.PI * 2)
      }
    }
    ctx.strokeStyle = theme.accent
    ctx.lineWidth = thumb > 0 ? 3 : 1.75
    ctx.stroke()
  }
  if (scene.hover >= 0) {
    const [sx, sy] = toScreen(view, xy[2 * scene.hover]!, xy[2 * scene.hover + 1]!)
    ctx.beginPath()
    if (thumb > 0) ctx.rect(sx - ring, sy - ring, 2 * ring, 2 * ring)
    else ctx.arc(sx, sy, ring + 2, 0, Math.PI * 2)
    ctx.strokeStyle = theme.text
    ctx.lineWidth = 2
    ctx.stroke()
  }
  if (scene.band) {
    const { x0, y0, x1, y1 } = scene.band
    const x = Math.min(x0, x1)
    const y = Math.min(y0, y1)
    ctx.fillStyle = theme.accent
    ctx.globalAlpha = 0.12
    ctx.fillRect(x, y, Math.abs(x1 - x0), Math.abs(y1 - y0))
    ctx.globalAlpha = 1
    ctx.setLineDash([5, 4])
    ctx.strokeStyle = theme.accent
    ctx.lineWidth = 1.5
    ctx.strokeRect(x + 0.5, y + 0.5, Math.abs(x1 - x0), Math.abs(y1 - y0))
    ctx.setLineDash([])
  }
}
