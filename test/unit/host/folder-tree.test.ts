import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { folderTree } from '../../../src/host/folder-tree.js'

const p = (...parts: string[]) => path.join(path.sep, ...parts)

describe('folderTree', () => {
  it('counts photos per folder and below, folders sorted by name', () => {
    const tree = folderTree(
      [p('photos')],
      [
        p('photos', 'a.jpg'),
        p('photos', '2020', 'b.jpg'),
        p('photos', '2020', 'c.jpg'),
        p('photos', '2019', 'trip', 'd.jpg'),
        p('elsewhere', 'e.jpg'),
      ],
    )
    expect(tree).toEqual([
      {
        path: p('photos'),
        name: 'photos',
        count: 1,
        total: 4,
        children: [
          {
            path: p('photos', '2019'),
            name: '2019',
            count: 0,
            total: 1,
            children: [{ path: p('photos', '2019', 'trip'), name: 'trip', count: 1, total: 1, children: [] }],
          },
          { path: p('photos', '2020'), name: '2020', count: 2, total: 2, children: [] },
        ],
      },
    ])
  })

  it('gives every root its tree, even empty, and a photo to the deepest root holding it', () => {
    const tree = folderTree([p('a'), p('a', 'b'), p('c')], [p('a', 'b', 'x.jpg'), p('a', 'y.jpg')])
    expect(tree.map((t) => [t.path, t.count, t.total, t.children.length])).toEqual([
      [p('a'), 1, 1, 0],
      [p('a', 'b'), 1, 1, 0],
      [p('c'), 0, 0, 0],
    ])
  })

  it('does not take a folder whose name only starts like a root', () => {
    expect(folderTree([p('photos')], [p('photos2', 'x.jpg')])[0]!.total).toBe(0)
  })
})
