/**
 * Search by a place's name: a query that names the city or country photos were placed in ("Paris",
 * "japan", "Rio de Janeiro, Brazil") finds those photos, newest first, before any search by what they show.
 */
import type { WordSearchResult } from '../labels/word-search.js'
import { FILTER_COLUMNS, filterMeta, makeFilter, type SearchFilters } from '../search/photo-search.js'
import type { PhotoStore } from '../store/photo-store.js'
import { placeMatcher } from './place-match.js'

/** The photos placed where `text` names, as a word search's result; null when it names no photo's place. */
export async function searchPlace(
  store: Pick<PhotoStore, 'query'>,
  text: string,
  k: number,
  filters: SearchFilters = {},
): Promise<WordSearchResult | null> {
  const matches = placeMatcher(text)
  if (!matches) return null
  const rows = await store.query(
    `status = 'ok' AND placeCountry IS NOT NULL AND placeCountry != ''`,
    FILTER_COLUMNS,
  )
  const placed = rows.filter((r) => matches(r.placeCity, r.placeCountry))
  if (placed.length === 0) return null
  const meta = filterMeta(placed)
  const allow = makeFilter(filters, meta)
  const time = (t: string | null) => (t ? Date.parse(t) || 0 : 0)
  const hits = placed
    .filter((r) => !allow || allow(r.id))
    .sort((a, b) => time(b.takenAt) - time(a.takenAt) || a.path.localeCompare(b.path))
    .slice(0, k)
    .map((r) => ({
      id: r.id,
      path: r.path,
      score: 1,
      label: [r.placeCity, r.placeCountry].filter(Boolean).join(', '),
      by: 'labels' as const,
    }))
  // What the query was understood as: the place's name as the photos have it.
  const first = placed[0]!
  const word = matches(first.placeCity, null) ? first.placeCity! : first.placeCountry!
  return { mode: 'labels', hits, terms: [{ text: text.trim(), word, classes: 0 }], unknown: [] }
}
