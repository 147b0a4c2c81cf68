import { describe, expect, it } from 'vitest'
import { buildGrid, countRect, nearest, queryRect } from '../../../src/renderer/src/views/map/spatial-grid'

/** Deterministic pseudo-random points in [0, 1]². */
function points(n: number, seed = 7): Float32Array {
  let s = seed
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
  const xy = new Float32Array(2 * n)
  for (let i = 0; i < xy.length; i++) xy[i] = rand()
  return xy
}

function bruteRect(xy: Float32Array, x0: number, y0: number, x1: number, y1: number): number[] {
  const out: number[] = []
  for (let i = 0; i < xy.length / 2; i++) {
    const x = xy[2 * i]!
    const y = xy[2 * i + 1]!
    if (x >= Math.min(x0, x1) && x <= Math.max(x0, x1) && y >= Math.min(y0, y1) && y <= Math.max(y0, y1))
      out.push(i)
  }
  return out
}

function bruteNearest(xy: Float32Array, x: number, y: number, max = Infinity): number {
  let best = -1
  let bestD = max * max
  for (let i = 0; i < xy.length / 2; i++) {
    const d = (xy[2 * i]! - x) ** 2 + (xy[2 * i + 1]! - y) ** 2
    if (d < bestD || (d === bestD && best === -1)) {
      bestD = d
      best = i
    }
  }
  return best
}

describe('spatial grid', () => {
  it('puts every point in exactly one cell', () => {
    const grid = buildGrid(points(1000))
    expect(grid.items.length).toBe(1000)
    expect(new Set(grid.items).size).toBe(1000)
    expect(grid.start[grid.cols * grid.rows]).toBe(1000)
  })

  it('finds exactly the points in a rectangle, corners in any order', () => {
    const xy = points(2000)
    const grid = buildGrid(xy)
    for (const [x0, y0, x1, y1] of [
      [0.1, 0.2, 0.4, 0.3],
      [0.9, 0.9, 0.5, 0.45],
      [-1, -1, 2, 2],
      [0.3, 0.3, 0.3, 0.3],
    ] as const) {
      expect(queryRect(grid, x0, y0, x1, y1).sort((a, b) => a - b)).toEqual(bruteRect(xy, x0, y0, x1, y1))
    }
  })

  it('counts the points of the overlapped cells, stopping early past a limit', () => {
    const xy = points(5000)
    const grid = buildGrid(xy)
    expect(countRect(grid, -1, -1, 2, 2)).toBe(5000)
    expect(countRect(grid, -1, -1, 2, 2, 100)).toBeLessThan(5000)
    expect(countRect(grid, -1, -1, 2, 2, 100)).toBeGreaterThan(100)
    // Cells are whole: at least the exact count of the rectangle.
    expect(countRect(grid, 0.2, 0.2, 0.3, 0.3)).toBeGreaterThanOrEqual(
      bruteRect(xy, 0.2, 0.2, 0.3, 0.3).length,
    )
  })

  it('finds the nearest point like a brute-force scan', () => {
    const xy = points(3000, 3)
    const grid = buildGrid(xy)
    const probes = points(200, 11)
    for (let p = 0; p < 200; p++) {
      const x = probes[2 * p]! * 1.4 - 0.2
      const y = probes[2 * p + 1]! * 1.4 - 0.2
      expect(nearest(grid, x, y)).toBe(bruteNearest(xy, x, y))
    }
  })

  it('returns -1 when nothing is within the distance', () => {
    const xy = new Float32Array([0, 0, 1, 1])
    const grid = buildGrid(xy)
    expect(nearest(grid, 0.5, 0.5, 0.1)).toBe(-1)
    expect(nearest(grid, 0.05, 0.0, 0.1)).toBe(0)
    expect(nearest(grid, 5, 5, 0.1)).toBe(-1)
  })

  it('handles no points, one point and points all in one place', () => {
    expect(nearest(buildGrid([]), 0, 0)).toBe(-1)
    expect(queryRect(buildGrid([]), 0, 0, 1, 1)).toEqual([])
    const one = buildGrid([0.5, 0.5])
    expect(nearest(one, 0, 0)).toBe(0)
    expect(queryRect(one, 0, 0, 1, 1)).toEqual([0])
    const same = buildGrid([0.2, 0.2, 0.2, 0.2, 0.2, 0.2])
    expect(queryRect(same, 0.1, 0.1, 0.3, 0.3)).toHaveLength(3)
    expect(nearest(same, 0.9, 0.9)).toBe(0)
  })

  it('builds and answers for 100,000 points', () => {
    const xy = points(100_000, 5)
    const grid = buildGrid(xy)
    for (let i = 0; i < 1000; i++) nearest(grid, (i % 37) / 37, (i % 91) / 91, 0.01)
    expect(queryRect(grid, 0.4, 0.4, 0.5, 0.5).length).toBe(bruteRect(xy, 0.4, 0.4, 0.5, 0.5).length)
  })
})
