import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import { TextEmbedder } from '../../../src/engine/text/text-embedder.js'
import {
  TINY_CLIP_DIM,
  TINY_CLIP_ID,
  writeTinyClipPack,
  type TinyClipPack,
} from '../../fixtures/tiny-clip.js'
import { tempDir } from '../support.js'

/**
 * Text search wired end to end with a tiny generated pack that has the real CLIP export's files and
 * signatures. Its vision tower only sees a photo's mean colour and its text tower averages token rows,
 * so for solid-colour photos the right ranking can be computed independently of the engine.
 */
let work: string
let engine: Engine
let pack: TinyClipPack
const COLOURS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  green: [30, 200, 40],
  blue: [20, 40, 210],
  yellow: [230, 220, 30],
  grey: [128, 128, 128],
  purple: [140, 30, 160],
}

beforeAll(async () => {
  work = await tempDir('text')
  const library = path.join(work, 'library')
  pack = await writeTinyClipPack(path.join(library, 'packs', TINY_CLIP_ID))
  const photos = path.join(work, 'photos')
  await fs.mkdir(photos)
  for (const [name, [r, g, b]] of Object.entries(COLOURS)) {
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } })
      .jpeg({ quality: 100 })
      .toFile(path.join(photos, `${name}.jpg`))
  }
  engine = await Engine.open({ libraryDir: library })
  await engine.updateSettings({ model: TINY_CLIP_ID })
  const s = await engine.index([photos])
  expect(s).toMatchObject({ indexed: 6, failed: [], pending: 0 })
})
afterAll(async () => {
  await engine.close()
  await fs.rm(work, { recursive: true, force: true })
})

/** What the tiny vision tower gives a solid colour: CLIP-normalised channel means times its weights. */
function expectedImageVector(rgb: [number, number, number]): Float32Array {
  const { mean, std } = pack.manifest.visual
  const v = new Float32Array(TINY_CLIP_DIM)
  for (let c = 0; c < 3; c++) {
    const p = (rgb[c]! / 255 - mean[c]!) / std[c]!
    for (let d = 0; d < TINY_CLIP_DIM; d++) v[d]! += p * pack.visionWeights[c * TINY_CLIP_DIM + d]!
  }
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}

describe('text search with a CLIP-signature pack', () => {
  it('ranks photos by the cosine between the text and image embeddings', async () => {
    const embedder = await TextEmbedder.open(pack.dir, pack.manifest)
    try {
      for (const query of ['a dog', 'a photo of a cat', 'dog dog cat']) {
        const [t] = await embedder.embed([query])
        const expected = Object.entries(COLOURS)
          .map(([name, rgb]) => ({
            name,
            score: expectedImageVector(rgb).reduce((s, x, i) => s + x * t![i]!, 0),
          }))
          .sort((a, b) => b.score - a.score)
        const hits = await engine.searchText(query, 6)
        expect(hits.map((h) => path.basename(h.path, '.jpg'))).toEqual(expected.map((e) => e.name))
        hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 2))
      }
    } finally {
      await embedder.close()
    }
  })

  it('applies filters and k, and refuses an empty query', async () => {
    const hits = await engine.searchText('a dog', 2, { types: ['jpeg'] })
    expect(hits).toHaveLength(2)
    expect(await engine.searchText('a dog', 5, { types: ['png'] })).toEqual([])
    await expect(engine.searchText('   ', 5)).rejects.toThrow(/empty|no words|nothing/i)
  })

  it('also finds similar photos with the same pack (through the 64-d head)', async () => {
    const red = path.join(work, 'photos', 'red.jpg')
    const hits = await engine.similar(red, 5)
    expect(hits).toHaveLength(5)
    expect(hits.map((h) => h.path)).not.toContain(red)
  })
})
