import { describe, expect, it } from 'vitest'
import { clickSelect, type SelectionState } from '../../../src/renderer/src/state/selection.js'

const order = ['a', 'b', 'c', 'd', 'e', 'f']
const plain = { shift: false, toggle: false }
const ctrl = { shift: false, toggle: true }
const shift = { shift: true, toggle: false }
const shiftCtrl = { shift: true, toggle: true }

const none: SelectionState = { selected: new Set(), anchor: null }
const sel = (ids: string[], anchor: string | null): SelectionState => ({ selected: new Set(ids), anchor })
const sorted = (s: SelectionState) => [...s.selected].sort()

describe('clickSelect', () => {
  it('a plain click selects just that photo and makes it the anchor', () => {
    const next = clickSelect(sel(['a', 'b'], 'a'), order, 'd', plain)
    expect(sorted(next)).toEqual(['d'])
    expect(next.anchor).toBe('d')
  })

  it('ctrl-click toggles a photo in and out, moving the anchor', () => {
    const added = clickSelect(sel(['a'], 'a'), order, 'c', ctrl)
    expect(sorted(added)).toEqual(['a', 'c'])
    expect(added.anchor).toBe('c')
    const removed = clickSelect(added, order, 'a', ctrl)
    expect(sorted(removed)).toEqual(['c'])
    expect(removed.anchor).toBe('a')
  })

  it('shift-click selects the range from the anchor, forwards and backwards', () => {
    const forwards = clickSelect(sel(['b'], 'b'), order, 'e', shift)
    expect(sorted(forwards)).toEqual(['b', 'c', 'd', 'e'])
    expect(forwards.anchor).toBe('b')
    const backwards = clickSelect(sel(['e'], 'e'), order, 'b', shift)
    expect(sorted(backwards)).toEqual(['b', 'c', 'd', 'e'])
    expect(backwards.anchor).toBe('e')
  })

  it('a second shift-click replaces the range, keeping the anchor', () => {
    const first = clickSelect(sel(['c'], 'c'), order, 'f', shift)
    const second = clickSelect(first, order, 'a', shift)
    expect(sorted(second)).toEqual(['a', 'b', 'c'])
    expect(second.anchor).toBe('c')
  })

  it('shift-click replaces a ctrl-built selection with the range', () => {
    const next = clickSelect(sel(['a', 'f', 'c'], 'c'), order, 'd', shift)
    expect(sorted(next)).toEqual(['c', 'd'])
  })

  it('shift+ctrl adds the range to what was selected', () => {
    const next = clickSelect(sel(['a', 'f', 'c'], 'c'), order, 'd', shiftCtrl)
    expect(sorted(next)).toEqual(['a', 'c', 'd', 'f'])
    expect(next.anchor).toBe('c')
  })

  it('shift-click without an anchor acts like a plain click', () => {
    const next = clickSelect(none, order, 'c', shift)
    expect(sorted(next)).toEqual(['c'])
    expect(next.anchor).toBe('c')
  })

  it('shift-click when the anchor is no longer shown acts like a plain click', () => {
    const next = clickSelect(sel(['gone'], 'gone'), order, 'b', shift)
    expect(sorted(next)).toEqual(['b'])
    expect(next.anchor).toBe('b')
  })

  it('never changes the selection it was given', () => {
    const before = sel(['a'], 'a')
    clickSelect(before, order, 'b', ctrl)
    clickSelect(before, order, 'd', shiftCtrl)
    expect(sorted(before)).toEqual(['a'])
  })
})
