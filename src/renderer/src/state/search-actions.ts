import { reactive } from 'vue'
import type { SearchFilters, SearchHit, WordSearchView } from '../../../shared/contract'
import { client, navigate, state } from './app-state'
import { rememberName } from './photo-names'

const RESULTS = 60

/** The newest search: an answer to an older one (still on its way when the user searched again) is dropped. */
let newest = 0

async function run(
  source: NonNullable<typeof state.search.source>,
  query: (current: () => boolean) => Promise<SearchHit[]>,
) {
  const token = ++newest
  const current = () => token === newest
  navigate('search')
  state.search.source = source
  state.search.busy = true
  state.search.error = null
  try {
    const results = await query(current)
    if (!current()) return
    for (const hit of results) rememberName(hit.id, hit.path)
    state.search.results = results
  } catch (error) {
    if (!current()) return
    state.search.results = []
    state.search.error = error instanceof Error ? error.message : String(error)
  } finally {
    if (current()) state.search.busy = false
  }
}

/**
 * A new query (typed words, "Find similar", a dropped image) starts from a clean state: filters left from
 * an earlier search would narrow it invisibly. "Keep filters" keeps them.
 */
function freshStart() {
  if (!state.search.keepFilters) state.search.filters = {}
}

/**
 * What the last word search understood: how it ranked (the built-in model's labels, or CLIP), the words it
 * knew, the ones it did not (with near words), and each hit's matching label.
 */
export const wordSearch = reactive({
  mode: null as WordSearchView['mode'] | null,
  terms: [] as WordSearchView['terms'],
  unknown: [] as WordSearchView['unknown'],
  labels: new Map<string, string>(),
})

function textSearch(text: string) {
  return run({ kind: 'text', text }, async (current) => {
    const result = await client.call('search.words', text, RESULTS, state.search.filters)
    if (!current()) return []
    wordSearch.mode = result.mode
    wordSearch.terms = result.terms
    wordSearch.unknown = result.unknown
    wordSearch.labels = new Map(result.hits.flatMap((h) => (h.label ? [[h.id, h.label] as const] : [])))
    return result.hits
  })
}

function similarSearch(id: string) {
  return run({ kind: 'similar', id }, () => client.call('search.similar', id, RESULTS, state.search.filters))
}

export function runTextSearch(text: string) {
  freshStart()
  return textSearch(text)
}

export function runSimilarSearch(id: string) {
  freshStart()
  return similarSearch(id)
}

/** The last dropped image, so that changing a filter can search with it again. */
let lastDropped: File | null = null

/** A dropped file: its bytes go to the engine (the interface never names files on disk). */
export function runImageSearch(file: File) {
  freshStart()
  return imageSearch(file)
}

function imageSearch(file: File) {
  lastDropped = file
  return run({ kind: 'image', name: file.name }, async () => {
    const base64 = await toBase64(file)
    return client.call('search.image', { name: file.name, base64 }, RESULTS, state.search.filters)
  })
}

/** Removes one filter (its chip's ×) and searches again. */
export function removeFilter(key: keyof SearchFilters) {
  const next = { ...state.search.filters }
  delete next[key]
  state.search.filters = next
  return rerunSearch()
}

/** Re-runs the current search (after the filters change). */
export function rerunSearch() {
  const source = state.search.source
  if (!source) return
  if (source.kind === 'text') return textSearch(source.text)
  if (source.kind === 'similar') return similarSearch(source.id)
  if (source.kind === 'image' && lastDropped) return imageSearch(lastDropped)
}

async function toBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}
