/** The library: its status, timeline, photos and problems, its folders (roots) and indexing them. */
import path from 'node:path'
import { ContractError, type DateSource } from '../../shared/contract.js'
import { folderTree } from '../folder-tree.js'
import type { DomainHandlers, HostContext } from './context.js'

export function libraryHandlers({
  engine,
  events,
  caches,
  indexing,
}: HostContext): DomainHandlers<'library' | 'roots' | 'index'> {
  return {
    'library.status': async () => {
      const status = await engine.status()
      return { ...status, indexing: indexing.state, canUndo: await engine.canUndo() }
    },
    'library.timeline': (filter) =>
      filter?.folder ? caches.folderTimeline(filter.folder) : caches.timeline(),
    'library.photo': async (id) => {
      const [row] = await engine.store.get([id])
      if (!row) throw new ContractError('That photo is no longer in the library.', 'not-found')
      const albums = await engine.albums()
      const ids = await albums.albumsOf(id)
      const names = new Map((await albums.list()).map((a) => [a.id, a.name]))
      const camera = [row.cameraMake, row.cameraModel].filter(Boolean).join(' ') || null
      return {
        id: row.id,
        path: row.path,
        name: path.basename(row.path),
        folder: path.dirname(row.path),
        size: row.size,
        width: row.width,
        height: row.height,
        format: row.format,
        takenAt: row.takenAt,
        dateSource: (row.dateSource as DateSource | null) ?? null,
        camera,
        gps:
          row.latitude !== null && row.longitude !== null
            ? { latitude: row.latitude, longitude: row.longitude, altitude: row.altitude }
            : null,
        placeCity: row.placeCity || null,
        placeCountry: row.placeCountry || null,
        albums: ids.map((a) => ({ id: a, name: names.get(a) ?? a })),
      }
    },
    'library.problems': () => engine.problems(),
    'library.places': async () => {
      const rows = await engine.store.query(
        `status = 'ok' AND latitude IS NOT NULL AND longitude IS NOT NULL`,
        ['id', 'latitude', 'longitude', 'placeCity', 'placeCountry'],
      )
      return rows.map((r) => ({
        id: r.id,
        lat: r.latitude!,
        lon: r.longitude!,
        city: r.placeCity || null,
        country: r.placeCountry || null,
      }))
    },
    'library.folders': async () => {
      const rows = await engine.store.indexState()
      return folderTree(
        engine.settings.roots,
        rows.filter((r) => r.status === 'ok').map((r) => r.path),
      )
    },
    'roots.add': async (folders, options) => {
      const added = await engine.addRoots(folders, { confirm: options?.confirm === true })
      indexing.start()
      return { added }
    },
    'roots.remove': async (folder) => {
      const removedPhotos = await engine.removeRoots([folder])
      await indexing.restartWatcher()
      await events.libraryChanged()
      return { removedPhotos }
    },
    'index.start': async () => {
      if (engine.settings.roots.length === 0)
        throw new ContractError('There are no folders to index yet: add a photos folder first.', 'no-roots')
      return { started: indexing.start() }
    },
    'index.cancel': async () => ({ cancelled: indexing.cancel() }),
  }
}
