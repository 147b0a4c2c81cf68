import { describe, expect, it } from 'vitest'
import { lossChart, niceCeil, tickLabel } from '../../../src/renderer/src/views/training/loss-chart'

const box = { width: 210, height: 120, pad: { left: 10, right: 0, top: 20, bottom: 0 } }

function parse(points: string): Array<[number, number]> {
  return points
    .split(' ')
    .filter(Boolean)
    .map((p) => p.split(',').map(Number) as [number, number])
}

describe('loss chart', () => {
  it('rounds the y axis up to a nice number', () => {
    expect(niceCeil(0.73)).toBe(1)
    expect(niceCeil(1.3)).toBe(2)
    expect(niceCeil(3)).toBe(5)
    expect(niceCeil(7.2)).toBe(10)
    expect(niceCeil(20)).toBe(20)
    expect(niceCeil(0)).toBe(1)
  })

  it('labels the y ticks with the digits that tell them apart, however small the loss', () => {
    // A loss that stayed below 0.005 (three easy albums) showed "0.00" on every tick.
    const labels = (losses: number[]) => lossChart(losses, 10, box).yTicks.map((t) => tickLabel(t.value))
    expect(labels([0.0041, 0.0007])).toEqual(['0', '0.0025', '0.005'])
    expect(labels([0.0012])).toEqual(['0', '0.001', '0.002'])
    expect(labels([0.73])).toEqual(['0', '0.5', '1'])
    expect(labels([3.2, 1])).toEqual(['0', '2.5', '5'])
    expect(labels([14])).toEqual(['0', '10', '20'])
  })

  it('spans the planned epochs on x and 0..max on y', () => {
    const chart = lossChart([2, 1, 0.5], 5, box)
    expect(chart.yMax).toBe(2)
    const pts = parse(chart.points)
    expect(pts).toHaveLength(3)
    // epoch 1 at the left edge, loss 2 (the top) at y = pad.top
    expect(pts[0]).toEqual([10, 20])
    // 5 epochs → 4 steps of 50 px; loss 1 is halfway down the 100 px plot
    expect(pts[1]).toEqual([60, 70])
    expect(pts[2]).toEqual([110, 95])
  })

  it('grows past the planned epochs if more arrive', () => {
    const pts = parse(lossChart([1, 1, 1], 2, box).points)
    expect(pts[2]![0]).toBe(210)
  })

  it('skips non-finite losses and draws nothing without data', () => {
    expect(lossChart([], 10, box).points).toBe('')
    expect(parse(lossChart([1, NaN, 0.5], 3, box).points)).toHaveLength(2)
  })

  it('gives ticks at 0, half and the top', () => {
    const chart = lossChart([4.2], 10, box)
    expect(chart.yTicks.map((t) => t.value)).toEqual([0, 2.5, 5])
    expect(chart.yTicks.map((t) => t.y)).toEqual([120, 70, 20])
  })
})
