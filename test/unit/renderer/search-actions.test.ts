/**
 * Searches answered out of order: an answer to an older search (still on its way when the user searched
 * again, as after clicking a tag and then typing) must not replace the newer one's results or words.
 */
import { reactive } from 'vue'
import { describe, expect, it, vi } from 'vitest'

const pending = new Map<string, (value: unknown) => void>()
vi.mock('../../../src/renderer/src/state/app-state', () => ({
  client: {
    call: (_method: string, text: string) => new Promise((resolve) => pending.set(text, resolve)),
  },
  navigate: () => {},
  state: reactive({
    search: { source: null, results: [], busy: false, error: null, filters: {}, keepFilters: false },
  }),
}))
vi.mock('../../../src/renderer/src/state/photo-names', () => ({ rememberName: () => {} }))

const { runTextSearch, wordSearch } = await import('../../../src/renderer/src/state/search-actions')
const { state } = await import('../../../src/renderer/src/state/app-state')

const dogs = {
  mode: 'labels',
  terms: [{ word: 'dog', kinds: 118 }],
  unknown: [],
  hits: [{ id: 'd1', path: '/p/d1.jpg', score: 0.9, label: 'dog' }],
}
const typo = { mode: 'labels', terms: [], unknown: [{ word: 'dgo', near: ['dog'] }], hits: [] }

describe('search answers out of order', () => {
  it('keeps the newest search when an older one answers last', async () => {
    const first = runTextSearch('dog')
    const second = runTextSearch('dgo')
    pending.get('dgo')!(typo)
    await second
    pending.get('dog')!(dogs)
    await first
    expect(state.search.source).toEqual({ kind: 'text', text: 'dgo' })
    expect(state.search.results).toEqual([])
    expect(wordSearch.unknown).toEqual([{ word: 'dgo', near: ['dog'] }])
    expect(state.search.busy).toBe(false)
  })

  it('is busy until the newest search answers, whatever the older ones do', async () => {
    const first = runTextSearch('dog')
    const second = runTextSearch('dgo')
    pending.get('dog')!(dogs)
    await first
    expect(state.search.busy).toBe(true)
    expect(state.search.results).toEqual([])
    pending.get('dgo')!(typo)
    await second
    expect(state.search.busy).toBe(false)
  })
})
