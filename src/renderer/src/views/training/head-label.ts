/**
 * A head's name for people: "Trained 5 Dec, 22:14" (a head trained on the albums) or "Base, 3 Dec,
 * 09:05" (the PCA head fitted to the whole library) instead of its version id
 * (arcface-2026-12-05T22-14-…), which stays in the tooltip. The year shows only when it is not this one.
 */
import type { HeadView } from '../../../../shared/contract'

export function headLabel(head: Pick<HeadView, 'kind' | 'createdAt' | 'version'>, now = new Date()): string {
  const d = new Date(head.createdAt)
  if (Number.isNaN(d.getTime())) return head.version
  const day = d.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}),
  })
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false })
  return `${head.kind === 'pca' ? 'Base' : 'Trained'} ${day}, ${time}`
}
