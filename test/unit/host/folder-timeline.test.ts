import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LibraryCaches } from '../../../src/host/library-caches'

const root = path.resolve('/photos')
const at = (...parts: string[]) => path.join(root, ...parts)

/** A store with five photos in three folders (one of them nested), and one that failed. */
function fakeEngine() {
  const rows = [
    { id: 'a', path: at('trip', 'a.jpg'), takenAt: 5, status: 'ok' },
    { id: 'b', path: at('trip', 'day 2', 'b.jpg'), takenAt: 4, status: 'ok' },
    { id: 'c', path: at('home', 'c.jpg'), takenAt: 3, status: 'ok' },
    { id: 'd', path: at('trip-other', 'd.jpg'), takenAt: 2, status: 'ok' },
    { id: 'e', path: at('trip', 'e.jpg'), takenAt: Number.NaN, status: 'ok' },
    { id: 'f', path: at('trip', 'f.jpg'), takenAt: 1, status: 'failed' },
  ]
  const ok = rows.filter((r) => r.status === 'ok')
  const store = {
    version: async () => 7,
    timelineColumns: async () => ({
      ids: ok.map((r) => r.id),
      takenAt: Float64Array.from(ok.map((r) => r.takenAt)),
      mtimeMs: Float64Array.from(ok.map(() => 0)),
    }),
    indexState: async () => rows.map((r) => ({ id: r.id, path: r.path, status: r.status })),
  }
  return { store, groups: async () => ({}) } as unknown as ConstructorParameters<typeof LibraryCaches>[0]
}

describe('LibraryCaches.folderTimeline', () => {
  it('keeps the photos of a folder and its sub-folders, in timeline order', async () => {
    const caches = new LibraryCaches(fakeEngine())
    const all = await caches.timeline()
    expect(all.ids).toEqual(['a', 'b', 'c', 'd', 'e'])
    const trip = await caches.folderTimeline(at('trip'))
    // Not trip-other (a sibling whose name starts the same), not the failed photo.
    expect(trip).toEqual({ ids: ['a', 'b', 'e'], takenAt: [5, 4, null], version: 7 })
    expect((await caches.folderTimeline(at('trip', 'day 2'))).ids).toEqual(['b'])
    expect((await caches.folderTimeline(`${at('home')}${path.sep}`)).ids).toEqual(['c'])
    expect((await caches.folderTimeline(at('nowhere'))).ids).toEqual([])
  })
})
