/**
 * `tessera models import` of a folder in Immich's CLIP export layout: generated towers with exactly the
 * signatures of Immich's files (visual `image` float32 → `embedding`; textual `text` int32 [1,77] →
 * `embedding`; textual/tokenizer.json), imported, verified, used to index and to search by text.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import { TextEmbedder } from '../../../src/engine/text/text-embedder.js'
import { readManifest } from '../../../src/engine/models/manifest.js'
import { writeTinyImmichFolder } from '../../fixtures/immich-pack.js'
import { TINY_CLIP_DIM } from '../../fixtures/tiny-clip.js'
import { copyPhotos, MIRROR, seedPhotos, tempDir } from '../support.js'

describe('Immich-layout CLIP packs', () => {
  let engine: Engine
  let dir: string
  let photos: string

  beforeAll(async () => {
    dir = await tempDir('immich-pack')
    photos = path.join(dir, 'photos')
    await copyPhotos(await seedPhotos(2), photos)
    engine = await Engine.open({ libraryDir: path.join(dir, 'lib'), modelMirror: MIRROR })
  })

  afterAll(async () => {
    await engine?.close()
  })

  it('imports the folder as a verified pack with the right signatures, indexes with it and searches by text', async () => {
    const folder = path.join(dir, 'ViT-B-32__openai')
    const tiny = await writeTinyImmichFolder(folder)
    const id = await engine.importModel(folder)
    expect(id).toBe('immich-vit-b-32-openai')
    expect((await engine.listModels()).find((p) => p.id === id)).toMatchObject({
      installed: true,
      custom: true,
      text: true,
    })

    const packDir = path.join(engine.layout.packs, id)
    expect((await fs.readdir(packDir)).sort()).toEqual([
      'manifest.json',
      'textual.onnx',
      'tokenizer.json',
      'visual.onnx',
    ])
    const manifest = await readManifest(packDir)
    expect(manifest.visual).toMatchObject({
      inputName: 'image',
      outputName: 'embedding',
      inputSize: 224,
      dim: 512,
    })
    expect(manifest.text).toMatchObject({
      inputName: 'text',
      inputType: 'int32',
      outputName: 'embedding',
      contextLength: 77,
      tokenizerFile: 'tokenizer.json',
    })
    // The source folder is left as it was.
    expect((await fs.readdir(folder)).sort()).toEqual(['config.json', 'textual', 'visual'])

    // The text tower runs on int32 ids: [start, a, dog, end, padding] → mean of those embedding rows.
    const text = await TextEmbedder.open(packDir, manifest, { maxBatch: 1 })
    try {
      const v = tiny.vocab
      const [dog] = await text.embed(['a dog'])
      expect(dog).toHaveLength(TINY_CLIP_DIM)
      const ids = Array.from(text.tokenize('a dog'), Number)
      expect(ids.slice(0, 4)).toEqual([v['<|startoftext|>'], v['a</w>'], v['dog</w>'], v['<|endoftext|>']])
      const [again] = await text.embed(['A DOG'])
      expect(Array.from(again!)).toEqual(Array.from(dog!))
      const [cat] = await text.embed(['a cat'])
      expect(Array.from(cat!)).not.toEqual(Array.from(dog!))
    } finally {
      await text.close()
    }

    await engine.useModel(id)
    await engine.index([photos])
    const rows = await engine.store.query(`status = 'ok'`, ['featureModel', 'feature'])
    expect(rows.length).toBe(10)
    expect(rows.every((r) => r.featureModel?.startsWith(`${id}@`) && r.feature?.byteLength === 512 * 4)).toBe(
      true,
    )
    expect(await engine.searchText('a dog', 3)).toHaveLength(3)
  })

  it('refuses a folder whose tokenizer is not CLIP’s BPE or whose preprocessing file is missing, installing nothing', async () => {
    const wordPiece = path.join(dir, 'nllb-clip-base__v1')
    await writeTinyImmichFolder(wordPiece, {
      tokenizer: { model: { type: 'Unigram', vocab: [['a', 0]] } },
    })
    await expect(engine.importModel(wordPiece)).rejects.toThrow(/not CLIP's byte-level BPE/)

    const noPre = path.join(dir, 'no-preprocess')
    await writeTinyImmichFolder(noPre, { withText: false })
    await fs.rm(path.join(noPre, 'visual', 'preprocess_cfg.json'))
    await expect(engine.importModel(noPre)).rejects.toThrow(/visual\/preprocess_cfg\.json .* is missing/)

    const ids = (await engine.listModels()).map((p) => p.id)
    expect(ids).not.toContain('immich-nllb-clip-base-v1')
    expect(ids).not.toContain('immich-no-preprocess')
    expect((await fs.readdir(engine.layout.packs)).filter((f) => f.startsWith('.'))).toEqual([])
  })
})
