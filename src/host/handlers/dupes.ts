/** Duplicates: finding them, moving the extra copies to the trash, and undoing that. */
import { ContractError } from '../../shared/contract.js'
import type { DomainHandlers, HostContext } from './context.js'
import { rowsById } from './shared.js'

export function dupesHandlers({ engine, events }: HostContext): DomainHandlers<'dupes' | 'trash'> {
  return {
    'dupes.find': async (level, similar, options) => {
      // Progress at most a few times a second, and always the last.
      let last = 0
      const groups = await engine.duplicates(level, similar, {
        mirror: options?.mirror ?? false,
        onProgress: ({ checked, toCheck }) => {
          const now = Date.now()
          if (checked > 0 && checked < toCheck && now - last < 250) return
          last = now
          events.emit({ type: 'dupes', checked, toCheck })
        },
      })
      const rows = await rowsById(
        engine,
        groups.flatMap((g) => g.photos),
      )
      return groups.map((g) => ({
        kind: g.kind,
        keep: g.keep,
        reason: g.reason,
        photos: g.photos.map((id) => {
          const r = rows.get(id)!
          return {
            id,
            path: r.path,
            size: r.size,
            width: r.width,
            height: r.height,
            format: r.format,
            takenAt: r.takenAt,
            camera: [r.cameraMake, r.cameraModel].filter(Boolean).join(' ') || null,
          }
        }),
      }))
    },
    'trash.photos': async (ids) => {
      const rows = await rowsById(engine, ids)
      const missing = ids.filter((id) => rows.get(id)?.status !== 'ok')
      if (missing.length > 0)
        throw new ContractError(
          `${missing.length} of these photos are no longer in the library.`,
          'not-found',
        )
      const result = await engine.trash(ids.map((id) => rows.get(id)!.path))
      await events.libraryChanged()
      return { moved: result.moved.length, failed: result.failed }
    },
    'trash.undo': async () => {
      const result = await engine.undo()
      await events.libraryChanged()
      return {
        restored: result.restored.length,
        failed: result.failed.map(({ path, reason }) => ({ path, reason })),
      }
    },
    'trash.list': async () => {
      const entries = await engine.trashed()
      const rows = await rowsById(
        engine,
        entries.flatMap((e) => (e.photoId ? [e.photoId] : [])),
      )
      return entries.map((e) => {
        const row = e.photoId ? rows.get(e.photoId) : undefined
        return {
          batch: e.batchId,
          movedAt: e.movedAt,
          id: row ? row.id : null,
          name: e.path.split(/[\\/]/).pop() ?? e.path,
          path: e.path,
          size: e.size,
          state: e.state,
          thumb: row !== undefined && row.hash !== null && row.status !== 'failed',
        }
      })
    },
    'trash.restore': async ({ ids = [], batches = [] }) => {
      const result = await engine.restoreTrashed({ photoIds: ids, actionIds: batches })
      await events.libraryChanged()
      return {
        restored: result.restored.length,
        ids: (await engine.photoIds(result.restored)).ids,
        failed: result.failed.map(({ path, reason }) => ({ path, reason })),
      }
    },
  }
}
