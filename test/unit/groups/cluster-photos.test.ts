import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterPhotos, type GroupInput } from '../../../src/engine/groups/cluster-photos.js'
import { knnGraph } from '../../../src/engine/search/knn-graph.js'
import { MatMul } from '../../../src/engine/linalg/ort-matmul.js'
import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'

let mm: MatMul
beforeAll(async () => {
  mm = await MatMul.create(1)
})
afterAll(async () => {
  await mm.close()
})

const DIM = 16
function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v)
  return Float32Array.from(v.map((x) => x / n))
}

/** `clusters` tight blobs of `size` photos around random centres, plus `loners` isolated photos. */
function library(clusters: number, size: number, loners: number, seed = 1): GroupInput[] {
  const rnd = seededRandom(seed)
  const out: GroupInput[] = []
  for (let c = 0; c < clusters; c++) {
    const centre = Array.from({ length: DIM }, () => rnd() - 0.5)
    for (let i = 0; i < size; i++) {
      out.push({
        id: `c${c}-${i}`,
        embedding: unit(centre.map((x) => x + (rnd() - 0.5) * 0.05)),
        takenAt: null,
      })
    }
  }
  for (let l = 0; l < loners; l++)
    out.push({
      id: `loner-${l}`,
      embedding: unit(Array.from({ length: DIM }, () => rnd() - 0.5)),
      takenAt: null,
    })
  return out
}

describe('knnGraph', () => {
  it('matches brute force', async () => {
    const photos = library(4, 10, 10)
    const n = photos.length
    const v = new Float32Array(n * DIM)
    photos.forEach((p, i) => v.set(p.embedding, i * DIM))
    const g = await knnGraph(v, n, DIM, 5, mm, 7) // odd block size: crosses block boundaries
    for (let i = 0; i < n; i++) {
      const brute = photos
        .map((p, j) => ({
          j,
          s: j === i ? -Infinity : p.embedding.reduce((a, x, d) => a + x * photos[i]!.embedding[d]!, 0),
        }))
        .sort((a, b) => b.s - a.s || a.j - b.j)
        .slice(0, 5)
      expect(Array.from(g.neighbours.subarray(i * 5, i * 5 + 5))).toEqual(brute.map((b) => b.j))
    }
  })
})

describe('clusterPhotos', () => {
  it('finds each visual cluster and leaves isolated photos ungrouped', async () => {
    const { groups, ungrouped } = await clusterPhotos(library(5, 12, 15), mm)
    expect(groups).toHaveLength(5)
    for (const g of groups) {
      const clusterOf = new Set(g.photos.map((id) => id.split('-')[0]))
      expect(clusterOf.size).toBe(1) // pure
      expect(g.photos).toContain(g.cover)
    }
    expect(ungrouped.filter((id) => id.startsWith('loner')).length).toBeGreaterThanOrEqual(12)
  })

  it('is deterministic whatever the input order', async () => {
    const photos = library(4, 8, 6, 3)
    const a = await clusterPhotos(photos, mm)
    const b = await clusterPhotos([...photos].reverse(), mm)
    expect(b).toEqual(a)
  })

  it('splits a visual cluster into events separated by a long gap', async () => {
    const photos: GroupInput[] = library(1, 12, 0, 5).map((p, i) => ({
      ...p,
      takenAt: i < 6 ? `2024-07-0${1 + (i % 2)}T10:00:00` : `2025-01-1${i % 2}T10:00:00`,
    }))
    photos.push({ ...photos[0]!, id: 'undated', takenAt: null })
    // An explicit floor links the whole blob, so only the time split can separate it.
    const { groups } = await clusterPhotos(photos, mm, { minSimilarity: 0.5 })
    expect(groups).toHaveLength(2)
    expect(groups.map((g) => g.from!.slice(0, 7)).sort()).toEqual(['2024-07', '2025-01'])
    expect(groups.flatMap((g) => g.photos)).toContain('undated')
  })
})

describe('group cohesion', () => {
  /**
   * Photos evenly spread along a half circle from one subject to its opposite: every photo's nearest
   * neighbours are the next ones along the arc, so mutual links chain the two ends together.
   */
  function arc(): GroupInput[] {
    const rnd = seededRandom(7)
    return Array.from({ length: 19 }, (_, k) => {
      const angle = (k * Math.PI) / 18
      const v = Array.from({ length: DIM }, (_, d) =>
        d === 0 ? Math.cos(angle) : d === 1 ? Math.sin(angle) : 0,
      )
      return {
        id: `p${String(k).padStart(2, '0')}`,
        embedding: unit(v.map((x) => x + (rnd() - 0.5) * 0.01)),
        takenAt: null,
      }
    })
  }
  const spans = (ids: string[], from: string[], to: string[]) =>
    ids.some((id) => from.includes(id)) && ids.some((id) => to.includes(id))
  const start = ['p00', 'p01', 'p02']
  const end = ['p16', 'p17', 'p18']

  it('splits a chain between opposite subjects at its weakest links; without the check it is one group', async () => {
    // A floor of 0 lets every mutual link through, as the adaptive floor can in a small library.
    const merged = await clusterPhotos(arc(), mm, { minSimilarity: 0, cohesion: -1 })
    expect(merged.groups.some((g) => spans(g.photos, start, end))).toBe(true)

    const split = await clusterPhotos(arc(), mm, { minSimilarity: 0 })
    expect(split.groups.length).toBeGreaterThanOrEqual(2)
    for (const g of split.groups) expect(spans(g.photos, start, end)).toBe(false)
  })
})
