import type { SearchHit } from '../../../shared/contract'
import { client, navigate, state } from './app-state'

const RESULTS = 60

async function run(source: NonNullable<typeof state.search.source>, query: () => Promise<SearchHit[]>) {
  navigate('search')
  state.search.source = source
  state.search.busy = true
  state.search.error = null
  try {
    state.search.results = await query()
  } catch (error) {
    state.search.results = []
    state.search.error = error instanceof Error ? error.message : String(error)
  } finally {
    state.search.busy = false
  }
}

export function runTextSearch(text: string) {
  return run({ kind: 'text', text }, () => client.call('search.text', text, RESULTS, state.search.filters))
}

export function runSimilarSearch(id: string) {
  return run({ kind: 'similar', id }, () => client.call('search.similar', id, RESULTS, state.search.filters))
}

/** The last dropped image, so that changing a filter can search with it again. */
let lastDropped: File | null = null

/** A dropped file: its bytes go to the engine (the interface never names files on disk). */
export function runImageSearch(file: File) {
  lastDropped = file
  return run({ kind: 'image', name: file.name }, async () => {
    const base64 = await toBase64(file)
    return client.call('search.image', { name: file.name, base64 }, RESULTS, state.search.filters)
  })
}

/** Re-runs the current search (after the filters change). */
export function rerunSearch() {
  const source = state.search.source
  if (!source) return
  if (source.kind === 'text') return runTextSearch(source.text)
  if (source.kind === 'similar') return runSimilarSearch(source.id)
  if (source.kind === 'image' && lastDropped) return runImageSearch(lastDropped)
}

async function toBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}
