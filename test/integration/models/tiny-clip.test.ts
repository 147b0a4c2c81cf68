/** The tiny CLIP pack behaves like the real export: same names, dtypes and shapes, float32 codec. */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Tensor } from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeFeature, ImageEmbedder } from '../../../src/engine/embed/image-embedder.js'
import { createSession } from '../../../src/engine/embed/session.js'
import { openPack } from '../../../src/engine/models/install.js'
import {
  TINY_CLIP_DIM,
  TINY_CLIP_ID,
  writeTinyClipPack,
  type TinyClipPack,
} from '../../fixtures/tiny-clip.js'

let root: string
let pack: TinyClipPack

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tessera-tiny-clip-'))
  pack = await writeTinyClipPack(path.join(root, TINY_CLIP_ID))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const solid = (rgb: [number, number, number], size = 224) => {
  const out = new Uint8Array(size * size * 3)
  for (let i = 0; i < out.length; i++) out[i] = rgb[i % 3]!
  return out
}

describe('tiny CLIP pack', () => {
  it('opens as a verified pack with the real export’s manifest', async () => {
    const { manifest } = await openPack(root, TINY_CLIP_ID)
    expect(manifest.visual).toMatchObject({
      file: 'vision_model.onnx',
      inputName: 'pixel_values',
      outputName: 'image_embeds',
      dim: 512,
      codec: { kind: 'float32' },
    })
    expect(manifest.text).toEqual({
      file: 'text_model.onnx',
      inputName: 'input_ids',
      outputName: 'text_embeds',
      dim: 512,
      contextLength: 77,
      tokenizerFile: 'tokenizer.json',
    })
  })

  it('embeds images as 512 float32s (2048 bytes) equal to pooling × projection', async () => {
    const embedder = await ImageEmbedder.open(pack.dir, pack.manifest)
    try {
      const colours: Array<[number, number, number]> = [
        [255, 0, 0],
        [12, 200, 99],
      ]
      const out = await embedder.embed(colours.map((c) => solid(c)))
      expect(out.map((b) => b.byteLength)).toEqual([2048, 2048])
      const { mean, std } = pack.manifest.visual
      for (const [i, c] of colours.entries()) {
        const got = decodeFeature(out[i]!, embedder.codec)
        const pooled = c.map((v, ch) => (v / 255 - mean[ch]!) / std[ch]!)
        for (const k of [0, 1, 255, 511]) {
          const want = pooled.reduce((acc, p, ch) => acc + p * pack.visionWeights[ch * TINY_CLIP_DIM + k]!, 0)
          expect(got[k]).toBeCloseTo(want, 3) // float32 mean over 50176 pixels
        }
      }
    } finally {
      await embedder.close()
    }
  })

  it('runs the text tower on int64 input_ids [N,77] into text_embeds [N,512]', async () => {
    const { session } = await createSession(path.join(pack.dir, 'text_model.onnx'), { preference: ['cpu'] })
    try {
      expect(session.inputNames).toEqual(['input_ids'])
      expect(session.outputNames).toEqual(['text_embeds'])
      const ids = new BigInt64Array(2 * 77).fill(BigInt(pack.vocab['<|endoftext|>']!))
      ids[0] = BigInt(pack.vocab['<|startoftext|>']!)
      ids[1] = BigInt(pack.vocab['dog</w>']!)
      const out = (await session.run({ input_ids: new Tensor('int64', ids, [2, 77]) })).text_embeds!
      expect(out.type).toBe('float32')
      expect(out.dims).toEqual([2, 512])
      const data = out.data as Float32Array
      expect(Array.from(data.subarray(0, 512))).not.toEqual(Array.from(data.subarray(512)))
    } finally {
      await session.release()
    }
  })
})
