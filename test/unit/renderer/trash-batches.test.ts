import { describe, expect, it } from 'vitest'
import type { TrashEntryView } from '../../../src/shared/contract'
import {
  batchLine,
  batchesOf,
  canRestore,
  folderOf,
  whenLabel,
} from '../../../src/renderer/src/views/trash/trash-batches'

function entry(batch: string, name: string, state: TrashEntryView['state'], size = 1000): TrashEntryView {
  return {
    batch,
    movedAt: '2026-12-06T10:00:00.000Z',
    id: name.startsWith('x') ? null : `${name}-id`,
    name,
    path: `/photos/${name}`,
    size,
    state,
    thumb: true,
  }
}

describe('Trash view batches', () => {
  const entries = [
    entry('b2', 'a.jpg', 'in-trash', 1500),
    entry('b2', 'b.jpg', 'restored'),
    entry('b1', 'c.jpg', 'restored'),
    entry('b1', 'xd.jpg', 'gone'),
  ]

  it('groups by batch in the order listed, hiding what was put back unless asked', () => {
    expect(batchesOf(entries, false).map((b) => [b.id, b.entries.map((e) => e.name), b.inTrash])).toEqual([
      ['b2', ['a.jpg'], 1],
      ['b1', ['xd.jpg'], 0],
    ])
    expect(batchesOf(entries, true).map((b) => b.entries.length)).toEqual([2, 2])
    expect(batchesOf([], true)).toEqual([])
  })

  it('counts what is still in the trash and its size', () => {
    const [b2, b1] = batchesOf(entries, true)
    expect(batchLine(b2!)).toBe('1 photo in the trash · 1.5 kB')
    expect(batchLine(b1!)).toBe('0 photos in the trash')
  })

  it('restores one by one only a library photo still in the trash', () => {
    expect(entries.map(canRestore)).toEqual([true, false, false, false])
    expect(canRestore(entry('b', 'xe.jpg', 'in-trash'))).toBe(false)
  })

  it('says when, relative to today', () => {
    const now = new Date(2026, 11, 6, 15, 0)
    expect(whenLabel(new Date(2026, 11, 6, 9, 5).toISOString(), now)).toMatch(/^Today, /)
    expect(whenLabel(new Date(2026, 11, 5, 23, 59).toISOString(), now)).toMatch(/^Yesterday, /)
    expect(whenLabel(new Date(2026, 10, 30, 12, 0).toISOString(), now)).toMatch(/2026, /)
    expect(whenLabel('not a date', now)).toBe('not a date')
  })

  it('gives the folder of a path', () => {
    expect(folderOf('/photos/a.jpg')).toBe('/photos')
    expect(folderOf('/a.jpg')).toBe('/')
    expect(folderOf('C:\\Pics\\a.jpg')).toBe('C:\\Pics')
  })
})
