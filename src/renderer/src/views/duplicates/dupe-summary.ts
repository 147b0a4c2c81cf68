/**
 * What acting on duplicate groups would do: which photos are the extra copies once a keeper is chosen in
 * each group, how many there are and how much space they take.
 */
import type { DupeGroupView, DupePhoto } from '../../../../shared/contract'
import { formatBytes } from '../../../../shared/format-bytes'

/** A group's identity across refetches: its members (the engine's keeper order may change). */
export function groupKey(group: Pick<DupeGroupView, 'photos'>): string {
  return group.photos
    .map((p) => p.id)
    .sort()
    .join('|')
}

/** The keeper the user chose for the group if it is still a member, else the engine's suggestion. */
export function keeperOf(group: DupeGroupView, chosen: ReadonlyMap<string, string>): string {
  const pick = chosen.get(groupKey(group))
  return pick !== undefined && group.photos.some((p) => p.id === pick) ? pick : group.keep
}

/** Every member but the keeper. */
export function extrasOf(group: DupeGroupView, keep: string): DupePhoto[] {
  return group.photos.filter((p) => p.id !== keep)
}

export interface DupeSummary {
  groups: number
  extraCopies: number
  bytesToFree: number
  /** The ids that "move all extra copies to the trash" would move. */
  extraIds: string[]
}

export function summarize(
  groups: readonly DupeGroupView[],
  chosen: ReadonlyMap<string, string>,
): DupeSummary {
  const extraIds: string[] = []
  const seen = new Set<string>()
  let bytesToFree = 0
  for (const group of groups) {
    for (const photo of extrasOf(group, keeperOf(group, chosen))) {
      // A photo is in one group per kind; never count (or trash) it twice all the same.
      if (seen.has(photo.id)) continue
      seen.add(photo.id)
      extraIds.push(photo.id)
      bytesToFree += photo.size
    }
  }
  return { groups: groups.length, extraCopies: extraIds.length, bytesToFree, extraIds }
}

/** Sizes in the one convention of the interface and the CLI (decimal units). */
export { formatBytes }

/** "5 groups · 7 extra copies · 12.3 MB to free" */
export function summaryLine(summary: DupeSummary, extraWord: { one: string; many: string }): string {
  const groups = `${summary.groups} ${summary.groups === 1 ? 'group' : 'groups'}`
  const extras = `${summary.extraCopies} ${summary.extraCopies === 1 ? extraWord.one : extraWord.many}`
  return `${groups} · ${extras} · ${formatBytes(summary.bytesToFree)} to free`
}
