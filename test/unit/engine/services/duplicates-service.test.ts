import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Head } from '../../../../src/engine/head/head.js'
import type { PhotoRow } from '../../../../src/engine/store/photo-store.js'
import { embeddingMatrix, neighboursFromGraph } from '../../../../src/engine/services/duplicates-service.js'
import { newestPcaHead, toVisualSpace } from '../../../../src/engine/services/visual-space.js'
import { fakeMatMul, fakePairVerifier, fakeWorld, photoSet, type FakeWorld } from './fakes.js'

function head(
  version: string,
  kind: Head['kind'],
  model: string,
  createdAt: string,
  weights: number[],
): Head {
  return {
    version,
    kind,
    model,
    codec: { kind: 'float32' },
    inputDim: 2,
    outputDim: 2,
    weights: new Float32Array(weights),
    bias: new Float32Array(2),
    createdAt,
    fittedOn: 1,
    metrics: {},
  }
}

const feature = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer)

describe('duplicates: pure parts', () => {
  it('reads neighbours off a k-NN graph: best first, at most k, stopping at the -1 padding', async () => {
    const graph = {
      k: 2,
      neighbours: new Int32Array([1, 2, 0, -1, 1, 0]),
      scores: new Float32Array([0.9, 0.5, 0.9, -Infinity, 0.7, 0.5]),
    }
    const neighbours = neighboursFromGraph(['a', 'b', 'c'], graph)
    expect(await neighbours('a', 5)).toEqual([
      { id: 'b', score: expect.closeTo(0.9, 6) },
      { id: 'c', score: expect.closeTo(0.5, 6) },
    ])
    expect((await neighbours('a', 1)).map((n) => n.id)).toEqual(['b'])
    expect((await neighbours('b', 2)).map((n) => n.id)).toEqual(['a'])
    expect((await neighbours('c', 2)).map((n) => n.id)).toEqual(['b', 'a'])
    expect(await neighbours('zzz', 2)).toEqual([])
  })

  it('packs embeddings row-major', () => {
    const rows = [
      { embedding: new Float32Array([1, 2]) },
      { embedding: new Float32Array([3, 4]) },
    ] as PhotoRow[]
    const { vectors, dim } = embeddingMatrix(rows)
    expect(dim).toBe(2)
    expect([...vectors]).toEqual([1, 2, 3, 4])
  })

  it('picks the newest PCA head of the model, never a trained head or another model', () => {
    const heads = [
      head('pca-old', 'pca', 'm@1', '2026-01-01', [1, 0, 0, 1]),
      head('pca-new', 'pca', 'm@1', '2026-03-01', [1, 0, 0, 1]),
      head('arcface-newest', 'arcface', 'm@1', '2026-05-01', [1, 0, 0, 1]),
      head('pca-other', 'pca', 'other@1', '2026-06-01', [1, 0, 0, 1]),
    ]
    expect(newestPcaHead(heads, 'm@1')?.version).toBe('pca-new')
    expect(newestPcaHead(heads, 'none@1')).toBeNull()
  })

  it('moves rows into the PCA space when a trained head is active, and leaves them when PCA is', async () => {
    const swap = head('pca-swap', 'pca', 'm@1', '2026-02-01', [0, 1, 1, 0])
    const trained = head('arcface-1', 'arcface', 'm@1', '2026-04-01', [1, 0, 0, 1])
    const loaded: string[] = []
    const deps = (active: Head) => ({
      heads: { current: async () => active, versions: async () => ['pca-swap', 'arcface-1'] },
      loadHead: async (v: string) => {
        loaded.push(v)
        return v === 'pca-swap' ? swap : trained
      },
      matmul: async () => fakeMatMul(),
    })
    const rows = [
      { id: 'x', feature: feature(3, 4), featureModel: 'm@1', embedding: new Float32Array([9, 9]) },
      { id: 'y', feature: null, featureModel: null, embedding: new Float32Array([9, 9]) },
    ] as unknown as PhotoRow[]
    expect(await toVisualSpace(rows, deps(swap))).toBe(false)
    expect([...rows[0]!.embedding!]).toEqual([9, 9])
    expect(await toVisualSpace(rows, deps(trained))).toBe(true)
    // Only PCA versions are read; (3, 4)·swap = (4, 3), unit length.
    expect(loaded).toEqual(['pca-swap'])
    expect([...rows[0]!.embedding!].map((v) => +v.toFixed(6))).toEqual([0.8, 0.6])
    expect(rows[1]!.embedding).toBeNull()
  })
})

describe('duplicates service (fakes)', () => {
  let world: FakeWorld
  afterEach(async () => {
    await world?.cleanup()
  })

  it('finds an exact copy, trashes it (marked, not forgotten) and undoes that', async () => {
    world = await fakeWorld()
    await world.write({ ...photoSet(['red', 'blue'], 2), 'red-1 copy.jpg': 'red 1' })
    const engine = await world.open()
    await engine.index([world.photosDir])
    const groups = await engine.duplicates('normal')
    const exact = groups.filter((g) => g.kind === 'exact')
    expect(exact).toHaveLength(1)
    expect(exact[0]!.paths.map((p) => path.basename(p)).sort()).toEqual(['red-1 copy.jpg', 'red-1.jpg'])
    expect(exact[0]!.paths[0]).toBe(exact[0]!.keepPath)

    const drop = exact[0]!.paths.find((p) => p !== exact[0]!.keepPath)!
    expect(await engine.canUndo()).toBe(false)
    const result = await engine.trash([drop])
    expect(result.moved.map((m) => m.path)).toEqual([drop])
    await expect(fs.stat(drop)).rejects.toThrow()
    expect(await engine.status()).toMatchObject({ photos: 4, trashed: 1 })
    expect(await engine.canUndo()).toBe(true)

    const undone = await engine.undo()
    expect(undone.restored).toEqual([drop])
    expect(await fs.readFile(drop, 'utf8')).toBe('red 1')
    expect(await engine.status()).toMatchObject({ photos: 5, trashed: 0 })
    expect(await engine.canUndo()).toBe(false)
  })

  it('finds near-duplicates from the neighbours of the embeddings', async () => {
    world = await fakeWorld()
    // "red 1" and "red 1 again" share their subject and nearly their variant offset: the fake extractor
    // puts them far closer than any other pair.
    await world.write({ 'a.jpg': 'red 1', 'b.jpg': 'red 1 again', 'c.jpg': 'blue 1', 'd.jpg': 'green 1' })
    const engine = await world.open()
    await engine.index([world.photosDir])
    const groups = await engine.duplicates('normal')
    expect(groups.map((g) => [g.kind, ...g.paths.map((p) => path.basename(p)).sort()])).toEqual([
      ['near', 'a.jpg', 'b.jpg'],
    ])
  })

  it('never calls a pair near without proof from the pixel verifier', async () => {
    const verifier = fakePairVerifier({ refuseAll: true })
    world = await fakeWorld({ verifier })
    await world.write({ 'a.jpg': 'red 1', 'b.jpg': 'red 1 again', 'c.jpg': 'blue 1', 'd.jpg': 'green 1' })
    const engine = await world.open()
    await engine.index([world.photosDir])
    expect(await engine.duplicates('normal')).toEqual([])
    // The close pair was proposed and refused; exact copies would need no proof.
    expect(verifier.calls.map((c) => c.map((p) => path.basename(p)))).toContainEqual(['a.jpg', 'b.jpg'])
  })
})
