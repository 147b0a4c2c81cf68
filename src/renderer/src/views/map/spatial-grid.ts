/**
 * A uniform grid over 2-D points, for hover and rectangle selection on the map: points are bucketed by
 * cell (counting sort into one flat array), so a query touches only the cells it overlaps. Built in
 * O(n); with ~4 points per cell a nearest-point query reads a handful of cells even for 100,000 points.
 */
export interface SpatialGrid {
  /** Interleaved x, y of every point (the caller's array, not copied). */
  readonly xy: ArrayLike<number>
  readonly count: number
  readonly minX: number
  readonly minY: number
  readonly cell: number
  readonly cols: number
  readonly rows: number
  /** Points of cell c are items[start[c] .. start[c + 1]). */
  readonly start: Uint32Array
  readonly items: Uint32Array
}

/** Buckets the points so that a cell holds about `perCell` of them on average. */
export function buildGrid(xy: ArrayLike<number>, perCell = 4): SpatialGrid {
  const count = Math.floor(xy.length / 2)
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let i = 0; i < count; i++) {
    const x = xy[2 * i]!
    const y = xy[2 * i + 1]!
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  if (count === 0) {
    minX = minY = 0
    maxX = maxY = 1
  }
  const width = Math.max(maxX - minX, 1e-9)
  const height = Math.max(maxY - minY, 1e-9)
  const cells = Math.max(1, Math.min(Math.ceil(count / perCell), 1 << 22))
  const cell = Math.max(Math.sqrt((width * height) / cells), Math.max(width, height) / 2048, 1e-9)
  const cols = Math.max(1, Math.floor(width / cell) + 1)
  const rows = Math.max(1, Math.floor(height / cell) + 1)
  const cellOf = new Uint32Array(count)
  const start = new Uint32Array(cols * rows + 1)
  for (let i = 0; i < count; i++) {
    const cx = Math.min(cols - 1, Math.floor((xy[2 * i]! - minX) / cell))
    const cy = Math.min(rows - 1, Math.floor((xy[2 * i + 1]! - minY) / cell))
    const c = cy * cols + cx
    cellOf[i] = c
    start[c + 1]!++
  }
  for (let c = 0; c < cols * rows; c++) start[c + 1]! += start[c]!
  const fill = start.slice(0, cols * rows)
  const items = new Uint32Array(count)
  for (let i = 0; i < count; i++) items[fill[cellOf[i]!]!++] = i
  return { xy, count, minX, minY, cell, cols, rows, start, items }
}

function clampCol(grid: SpatialGrid, x: number): number {
  return Math.max(0, Math.min(grid.cols - 1, Math.floor((x - grid.minX) / grid.cell)))
}

function clampRow(grid: SpatialGrid, y: number): number {
  return Math.max(0, Math.min(grid.rows - 1, Math.floor((y - grid.minY) / grid.cell)))
}

/** Indices of the points inside the rectangle (edges included; the corners may come in any order). */
export function queryRect(grid: SpatialGrid, x0: number, y0: number, x1: number, y1: number): number[] {
  const left = Math.min(x0, x1)
  const right = Math.max(x0, x1)
  const top = Math.min(y0, y1)
  const bottom = Math.max(y0, y1)
  const out: number[] = []
  if (grid.count === 0) return out
  const c0 = clampCol(grid, left)
  const c1 = clampCol(grid, right)
  const r0 = clampRow(grid, top)
  const r1 = clampRow(grid, bottom)
  const { xy, start, items } = grid
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const cellIndex = r * grid.cols + c
      for (let k = start[cellIndex]!; k < start[cellIndex + 1]!; k++) {
        const i = items[k]!
        const x = xy[2 * i]!
        const y = xy[2 * i + 1]!
        if (x >= left && x <= right && y >= top && y <= bottom) out.push(i)
      }
    }
  }
  return out
}

/** How many points lie inside the rectangle, stopping early once there are more than `limit`. */
export function countRect(
  grid: SpatialGrid,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  limit = Infinity,
): number {
  if (grid.count === 0) return 0
  const c0 = clampCol(grid, Math.min(x0, x1))
  const c1 = clampCol(grid, Math.max(x0, x1))
  const r0 = clampRow(grid, Math.min(y0, y1))
  const r1 = clampRow(grid, Math.max(y0, y1))
  let n = 0
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const cellIndex = r * grid.cols + c
      n += grid.start[cellIndex + 1]! - grid.start[cellIndex]!
      if (n > limit) return n
    }
  }
  return n
}

/**
 * The point nearest to (x, y) within `maxDistance`, or -1. Searches rings of cells outwards and stops
 * once the next ring cannot hold anything closer.
 */
export function nearest(grid: SpatialGrid, x: number, y: number, maxDistance = Infinity): number {
  if (grid.count === 0) return -1
  const { xy, start, items, cols, rows, cell } = grid
  // Start from the cell nearest to the point (the point may lie outside the grid): every point of a cell
  // `ring` cells from there is at least (ring - 1) cells away from (x, y), as the grid is convex.
  const cx = clampCol(grid, x)
  const cy = clampRow(grid, y)
  let best = -1
  let bestD2 = maxDistance === Infinity ? Infinity : maxDistance * maxDistance
  const maxRing = Math.max(cols, rows)
  for (let ring = 0; ring <= maxRing; ring++) {
    const gap = (ring - 1) * cell
    if (gap > 0 && gap * gap > bestD2) break
    for (let r = cy - ring; r <= cy + ring; r++) {
      if (r < 0 || r >= rows) continue
      const onEdge = r === cy - ring || r === cy + ring
      const step = onEdge ? 1 : 2 * ring
      for (let c = cx - ring; c <= cx + ring; c += Math.max(step, 1)) {
        if (c < 0 || c >= cols) continue
        const cellIndex = r * cols + c
        for (let k = start[cellIndex]!; k < start[cellIndex + 1]!; k++) {
          const i = items[k]!
          const dx = xy[2 * i]! - x
          const dy = xy[2 * i + 1]! - y
          const d2 = dx * dx + dy * dy
          if (d2 <= bestD2 && (d2 < bestD2 || best === -1 || i < best)) {
            bestD2 = d2
            best = i
          }
        }
      }
    }
  }
  return best
}
