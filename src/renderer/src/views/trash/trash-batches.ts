/**
 * The Trash view's model: the files Tessera moved to the trash (`trash.list`, from the engine's journal),
 * grouped by the move they were part of, newest first, with what can still be restored.
 */
import type { TrashEntryView } from '../../../../shared/contract'
import { formatBytes } from '../../../../shared/format-bytes'

export interface TrashBatch {
  id: string
  movedAt: string
  /** The batch's files shown (the restored ones only when asked for). */
  entries: TrashEntryView[]
  /** Files of the batch still in the trash (what "Restore all" puts back). */
  inTrash: number
  /** Their size in bytes (unknown sizes count as 0). */
  bytes: number
}

/** Batches in the order given (the engine lists the newest first), each keeping its files' order. */
export function batchesOf(entries: readonly TrashEntryView[], showRestored: boolean): TrashBatch[] {
  const byId = new Map<string, TrashBatch>()
  for (const entry of entries) {
    if (entry.state === 'restored' && !showRestored) continue
    let batch = byId.get(entry.batch)
    if (!batch) {
      batch = { id: entry.batch, movedAt: entry.movedAt, entries: [], inTrash: 0, bytes: 0 }
      byId.set(entry.batch, batch)
    }
    batch.entries.push(entry)
    if (entry.state === 'in-trash') {
      batch.inTrash++
      batch.bytes += entry.size ?? 0
    }
  }
  return [...byId.values()]
}

/** Restorable one by one: in the trash, and a library photo (a file with no photo goes back by batch). */
export function canRestore(entry: TrashEntryView): boolean {
  return entry.state === 'in-trash' && entry.id !== null
}

/** "Today, 14:32", "Yesterday, 09:10" or "3 Dec 2026, 14:32" (in the viewer's time zone). */
export function whenLabel(iso: string, now: Date = new Date()): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
  const days = Math.round((day(now) - day(at)) / 86_400_000)
  if (days === 0) return `Today, ${time}`
  if (days === 1) return `Yesterday, ${time}`
  const date = at.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })
  return `${date}, ${time}`
}

/** "3 photos in the trash · 1.2 MB" for a batch's heading. */
export function batchLine(batch: TrashBatch): string {
  const files = `${batch.inTrash} ${batch.inTrash === 1 ? 'photo' : 'photos'} in the trash`
  return batch.inTrash > 0 && batch.bytes > 0 ? `${files} · ${formatBytes(batch.bytes)}` : files
}

/** The folder part of a path (either separator: the library may be on Windows). */
export function folderOf(p: string): string {
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'))
  return cut <= 0 ? p.slice(0, cut + 1) : p.slice(0, cut)
}
