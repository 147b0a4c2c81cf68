/**
 * TextEmbedder on the tiny CLIP pack: real tokenizer files, a real ONNX session in the inference worker,
 * int64 input_ids [N,77] → text_embeds [N,512]. The tiny text model averages token embedding rows, so the
 * expected vector can be computed from the ids here.
 */
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_PACK_ID, findCatalogEntry } from '../../../src/engine/models/catalog.js'
import { ClipTokenizerError } from '../../../src/engine/text/clip-tokenizer.js'
import { EmptyQueryError, NoTextTowerError, TextEmbedder } from '../../../src/engine/text/text-embedder.js'
import type { ModelManifest } from '../../../src/engine/types.js'
import {
  TINY_CLIP_DIM,
  TINY_CLIP_ID,
  writeTinyClipPack,
  type TinyClipPack,
} from '../../fixtures/tiny-clip.js'
import { tempDir } from '../support.js'

let root: string
let pack: TinyClipPack
let embedder: TextEmbedder

beforeAll(async () => {
  root = await tempDir('text-embedder')
  pack = await writeTinyClipPack(path.join(root, TINY_CLIP_ID))
  embedder = await TextEmbedder.open(pack.dir, pack.manifest)
})

afterAll(async () => {
  await embedder?.close()
  await rm(root, { recursive: true, force: true })
})

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)

/** What the tiny model returns for these 77 ids, normalised: the mean of their embedding rows. */
function expected(ids: number[]): Float32Array {
  const out = new Float64Array(TINY_CLIP_DIM)
  for (const id of ids)
    for (let k = 0; k < TINY_CLIP_DIM; k++) out[k]! += pack.textWeights[id * TINY_CLIP_DIM + k]!
  const n = Math.sqrt(out.reduce((s, x) => s + x * x, 0))
  return Float32Array.from(out, (x) => x / n)
}

describe('TextEmbedder on the tiny CLIP pack', () => {
  it('opens on CPU and describes the text tower', () => {
    expect(embedder.model).toBe(`${TINY_CLIP_ID}@${pack.manifest.version}`)
    expect(embedder.dim).toBe(512)
    expect(embedder.contextLength).toBe(77)
    expect(embedder.provider).toBe('cpu')
    expect(embedder.attempts.find((a) => a.provider === 'cpu')).toMatchObject({ ok: true, reason: 'used' })
  })

  it('returns one L2-normalised 512-d vector per text, from [start, tokens, end, zero padding]', async () => {
    const [dog, cat] = await embedder.embed(['a dog', 'A CAT'])
    for (const v of [dog!, cat!]) {
      expect(v).toBeInstanceOf(Float32Array)
      expect(v).toHaveLength(512)
      expect(norm(v)).toBeCloseTo(1, 5)
    }
    const v = pack.vocab
    const padding = (used: number) => Array<number>(77 - used).fill(0)
    const dogIds = [v['<|startoftext|>']!, v['a</w>']!, v['dog</w>']!, v['<|endoftext|>']!, ...padding(4)]
    const catIds = [v['<|startoftext|>']!, v['a</w>']!, v['cat</w>']!, v['<|endoftext|>']!, ...padding(4)]
    expect(Array.from(embedder.tokenize('a dog'), Number)).toEqual(dogIds)
    const wantDog = expected(dogIds)
    const wantCat = expected(catIds)
    for (let k = 0; k < 512; k++) {
      expect(dog![k]).toBeCloseTo(wantDog[k]!, 5)
      expect(cat![k]).toBeCloseTo(wantCat[k]!, 5)
    }
  })

  it('gives different texts different vectors and the same text the same vector', async () => {
    const [a, b, c, a2] = await embedder.embed(['a dog', 'a cat', 'dog dog dog', 'a dog'])
    expect(dot(a!, b!)).toBeLessThan(0.9999)
    expect(dot(a!, c!)).toBeLessThan(0.9999)
    expect(Array.from(a2!)).toEqual(Array.from(a!))
    // Bit for bit across calls of the same shape. (Across batch sizes onnxruntime may sum in another order:
    // equal to about 1e-7, see the batch test.) Cleaning makes the second text the same query.
    const [once] = await embedder.embed(['a dog'])
    const [again] = await embedder.embed(['  A   DOG \n'])
    expect(Array.from(again!)).toEqual(Array.from(once!))
  })

  it('embeds a batch exactly as one text at a time, also when split into several runs', async () => {
    const texts = ['a dog', 'a cat', 'cats and dogs', 'dog', 'zzz']
    const batch = await embedder.embed(texts)
    const single = await Promise.all(texts.map(async (t) => (await embedder.embed([t]))[0]!))
    const small = await TextEmbedder.open(pack.dir, pack.manifest, { maxBatch: 2 })
    try {
      const split = await small.embed(texts)
      for (let i = 0; i < texts.length; i++) {
        for (let k = 0; k < 512; k++) {
          expect(batch[i]![k]).toBeCloseTo(single[i]![k]!, 6)
          expect(split[i]![k]).toBeCloseTo(single[i]![k]!, 6)
        }
      }
    } finally {
      await small.close()
    }
    expect(await embedder.embed([])).toEqual([])
  })

  it('refuses an empty query with a clear error', async () => {
    await expect(embedder.embed([''])).rejects.toThrow(EmptyQueryError)
    await expect(embedder.embed(['a dog', ' \t\n '])).rejects.toMatchObject({
      name: 'EmptyQueryError',
      index: 1,
      message: 'The search text is empty: type a few words describing the photos you are looking for.',
    })
    // The embedder still works afterwards.
    expect(await embedder.embed(['a dog'])).toHaveLength(1)
  })

  it('rejects use after close, and closes twice without error', async () => {
    const e = await TextEmbedder.open(pack.dir, pack.manifest)
    await e.close()
    await e.close()
    await expect(e.embed(['a dog'])).rejects.toThrow('This text embedder has been closed.')
  })
})

describe('packs without a usable text tower', () => {
  const advice = 'download CLIP with `tessera models download clip-vit-b32`.'

  it('throws NoTextTowerError naming the default MobileNet pack', async () => {
    const template = findCatalogEntry(DEFAULT_PACK_ID)!.manifest
    const mobilenet: ModelManifest = {
      ...template,
      visual: { ...template.visual, codec: { kind: 'uint8-affine', scale: 0.1, zeroPoint: 0 } },
      files: {},
    }
    const err = await TextEmbedder.open(path.join(root, 'mobilenet'), mobilenet).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NoTextTowerError)
    expect(err).toMatchObject({
      name: 'NoTextTowerError',
      packId: DEFAULT_PACK_ID,
      message: `The default model ${DEFAULT_PACK_ID} has no text search; ${advice}`,
    })
  })

  it('throws NoTextTowerError for the tiny pack’s manifest without `text`', async () => {
    const { text: _text, ...noText } = pack.manifest
    const manifest: ModelManifest = { ...noText, id: 'my-vision-only' }
    await expect(TextEmbedder.open(pack.dir, manifest)).rejects.toThrow(
      `The active model my-vision-only has no text search; ${advice}`,
    )
  })

  it('reports a text model whose names do not match the manifest', async () => {
    const manifest: ModelManifest = {
      ...pack.manifest,
      text: { ...pack.manifest.text!, inputName: 'tokens' },
    }
    await expect(TextEmbedder.open(pack.dir, manifest)).rejects.toThrow(
      /text_model\.onnx in .* does not match its manifest: no input "tokens" \(it has input_ids\)/,
    )
  })

  it('reports a broken vocabulary before loading the model', async () => {
    const broken = await writeTinyClipPack(path.join(root, 'broken'))
    await writeFile(
      path.join(broken.dir, 'tokenizer.json'),
      '{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}',
    )
    const err = await TextEmbedder.open(broken.dir, broken.manifest).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClipTokenizerError)
    expect((err as Error).message).toMatch(/has no <\|startoftext\|> or <\|endoftext\|> token/)
  })
})
