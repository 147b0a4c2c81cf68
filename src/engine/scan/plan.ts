import type { IndexState } from '../store/photo-store.js'
import type { FoundFile } from './walk.js'

/**
 * What a scan has to do, decided from the files on disk and the rows in the store, before reading any
 * file. Pure, so it can be tested on its own.
 */
export interface ScanPlan {
  /** Rows whose file has the same size and mtime, and that need nothing. */
  unchanged: IndexState[]
  /** Rows whose file is unchanged but whose embedding must be (re)computed with the current model. */
  reembed: Array<{ row: IndexState; file: FoundFile }>
  /** Known paths whose size or mtime changed: read and hash; re-decode only if the content changed. */
  changed: Array<{ row: IndexState; file: FoundFile }>
  /** Paths the store does not know: read and hash; they may be a renamed file, a copy, or new. */
  fresh: FoundFile[]
  /** Rows in scope whose file was not found: removed, unless a fresh file turns out to be them renamed. */
  missing: IndexState[]
}

/** Failures worth retrying on an unchanged file (they depend on the moment, not on the file's bytes). */
const TRANSIENT_ERRORS = new Set(['unreadable'])

/**
 * @param rows every row the scan is responsible for (the whole roots for a full scan, or the rows of the
 *   paths a watcher saw change)
 * @param found the photo files that exist now in that scope
 * @param model `packId@version` of the current model, or null when no model is available
 */
export function planScan(
  rows: readonly IndexState[],
  found: readonly FoundFile[],
  model: string | null,
): ScanPlan {
  // Path → index of its row; `found` marks the paths seen on disk (a flag per row, not a second set of
  // 100,000 paths on an unchanged rescan).
  const byPath = new Map<string, number>()
  for (let i = 0; i < rows.length; i++) byPath.set(rows[i]!.path, i)
  const seen = new Uint8Array(rows.length)
  const plan: ScanPlan = { unchanged: [], reembed: [], changed: [], fresh: [], missing: [] }
  for (const file of found) {
    const index = byPath.get(file.path)
    if (index === undefined) {
      plan.fresh.push(file)
      continue
    }
    seen[index] = 1
    const row = rows[index]!
    const same = row.size === file.size && row.mtimeMs === file.mtimeMs && !file.statError
    // A trashed photo that is back (undo, or put back by hand) is re-checked by content hash.
    if (!same || row.status === 'trashed') plan.changed.push({ row, file })
    else if (row.status === 'failed') {
      if (row.errorCode && TRANSIENT_ERRORS.has(row.errorCode)) plan.changed.push({ row, file })
      else plan.unchanged.push(row)
    } else if (model !== null && row.featureModel !== model) plan.reembed.push({ row, file })
    else plan.unchanged.push(row)
  }
  // A trashed photo is expected to be missing: it stays in the library, so an undo restores it intact.
  for (const row of rows) if (!seen[byPath.get(row.path)!] && row.status !== 'trashed') plan.missing.push(row)
  return plan
}
