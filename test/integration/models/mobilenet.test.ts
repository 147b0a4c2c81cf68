/**
 * The real default pack, installed from shared/models (beside the repository) used as the mirror (same `<mirror>/<id>/<name>`
 * layout as a product mirror), and run on real photos.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeFeature, ImageEmbedder } from '../../../src/engine/embed/image-embedder.js'
import { DEFAULT_PACK_ID, findCatalogEntry } from '../../../src/engine/models/catalog.js'
import { installPack, listPacks, openPack, type OpenedPack } from '../../../src/engine/models/install.js'
import { buildMobileNetFeatureModel } from '../../../src/engine/models/mobilenet.js'

// shared/ sits beside the repository, here and in CI's fresh clone.
const SHARED = path.resolve(
  process.env.TESSERA_SHARED_DIR ?? fileURLToPath(new URL('../../../../shared', import.meta.url)),
)
const MIRROR = path.join(SHARED, 'models')
const PHOTOS = path.join(SHARED, 'datasets', 'seed-5class')
const ZOO_FILE = path.join(MIRROR, DEFAULT_PACK_ID, 'mobilenetv2-12-int8.onnx')

/** What the decoder hands the embedder: RGB HWC, short side resized then centre-cropped to size². */
async function modelInput(file: string, size = 224): Promise<Uint8Array> {
  const { data, info } = await sharp(file)
    .rotate()
    .resize(size, size, { fit: 'cover' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  expect([info.width, info.height, info.channels]).toEqual([size, size, 3])
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
  }
  return dot / Math.sqrt(na * nb)
}

let packsDir: string
let installed: OpenedPack
let embedder: ImageEmbedder

beforeAll(async () => {
  packsDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-mobilenet-'))
  installed = await installPack(DEFAULT_PACK_ID, { packsDir, mirror: MIRROR })
  embedder = await ImageEmbedder.open(installed.dir, installed.manifest, { providers: ['cpu'] })
})

afterAll(async () => {
  await embedder?.close()
  await rm(packsDir, { recursive: true, force: true })
})

describe('the MobileNetV2 int8 pack', () => {
  it('installs as a verified pack holding visual.onnx and its manifest', async () => {
    expect(await readdir(installed.dir)).toEqual(['manifest.json', 'visual.onnx'])
    const m = installed.manifest
    expect(m.id).toBe(DEFAULT_PACK_ID)
    expect(m.visual).toMatchObject({
      file: 'visual.onnx',
      inputName: 'input',
      outputName: 'feature',
      dim: 1280,
      inputSize: 224,
      layout: 'NCHW',
    })
    // 464_scale / 464_zero_point of the zoo graph.
    expect(m.visual.codec).toEqual({
      kind: 'uint8-affine',
      scale: Math.fround(0.019110053777694702),
      zeroPoint: 0,
    })
    await expect(openPack(packsDir, DEFAULT_PACK_ID)).resolves.toEqual(installed)
    expect((await listPacks(packsDir)).find((p) => p.id === DEFAULT_PACK_ID)).toMatchObject({
      installed: true,
      isDefault: true,
    })
    expect(existsSync(path.join(packsDir, '.downloads'))).toBe(false)
  })

  it('is built deterministically from the zoo file, keeping the 1000-class head as a second output', async () => {
    const zoo = await readFile(ZOO_FILE)
    expect(createHash('sha256').update(zoo).digest('hex')).toBe(
      findCatalogEntry(DEFAULT_PACK_ID)!.files[0]!.sha256,
    )
    const a = buildMobileNetFeatureModel(zoo).model
    const b = buildMobileNetFeatureModel(zoo).model
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0)
    expect(createHash('sha256').update(a).digest('hex')).toBe(installed.manifest.files['visual.onnx']!.sha256)
    // The classifier's 1280×1000 int8 weights stay (labels are read from them), as output `logits`.
    expect(a.length).toBeGreaterThan(1_280_000)
    expect(Math.abs(zoo.length - a.length)).toBeLessThan(100_000)
    expect(Buffer.from(a).includes(Buffer.from('logits'))).toBe(true)
  })
})

describe('ImageEmbedder on MobileNetV2', () => {
  it('gives 1280 uint8 codes per photo, on the CPU', async () => {
    expect(embedder.provider).toBe('cpu')
    expect(embedder.model).toBe(`${DEFAULT_PACK_ID}@${installed.manifest.version}`)
    const [codes] = await embedder.embed([await modelInput(path.join(PHOTOS, 'Dog', 'd1.jpeg'))])
    expect(codes).toBeInstanceOf(Uint8Array)
    expect(codes!.length).toBe(1280)
    // A real pooled feature: many distinct, mostly non-zero activations (measured: 126 distinct codes,
    // 1229 of 1280 non-zero).
    expect(new Set(codes).size).toBeGreaterThan(20)
    expect(codes!.filter((c) => c > 0).length).toBeGreaterThan(640)
  })

  it('gives the same bytes for a photo alone and inside a batch of 4', async () => {
    const files = ['Dog/d2.jpeg', 'Food/f1.jpeg', 'Vehicle/v1.jpeg', 'Garment/g1.jpeg'].map((f) =>
      path.join(PHOTOS, f),
    )
    const inputs = await Promise.all(files.map((f) => modelInput(f)))
    const batched = await embedder.embed(inputs)
    expect(batched).toHaveLength(4)
    for (let i = 0; i < 4; i++) {
      const [alone] = await embedder.embed([inputs[i]!])
      expect(Buffer.from(alone!).equals(Buffer.from(batched[i]!))).toBe(true)
    }
    // …and different photos give different features.
    expect(Buffer.from(batched[0]!).equals(Buffer.from(batched[1]!))).toBe(false)
  })

  it('places photos of the same class closer than photos of different classes', async () => {
    const classes = { Dog: ['d1', 'd3', 'd4'], Vehicle: ['v2', 'v3', 'v4'], Food: ['f2', 'f3', 'f4'] }
    const features: Array<{ cls: string; f: Float32Array }> = []
    for (const [cls, names] of Object.entries(classes)) {
      const inputs = await Promise.all(names.map((n) => modelInput(path.join(PHOTOS, cls, `${n}.jpeg`))))
      for (const codes of await embedder.embed(inputs))
        features.push({ cls, f: decodeFeature(codes, embedder.codec) })
    }
    const same: number[] = []
    const other: number[] = []
    for (let i = 0; i < features.length; i++) {
      for (let j = i + 1; j < features.length; j++) {
        ;(features[i]!.cls === features[j]!.cls ? same : other).push(cosine(features[i]!.f, features[j]!.f))
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    // Measured 0.689 against 0.518 (a gap of 0.170 for a floor of 0.1); one int8 step on the codes moves
    // a cosine by about 0.001.
    expect(mean(same)).toBeGreaterThan(mean(other) + 0.1)
    // And for every photo, its nearest other photo is of its own class.
    for (const [i, a] of features.entries()) {
      const nearest = features
        .map((b, j) => ({ j, s: j === i ? -Infinity : cosine(a.f, b.f) }))
        .sort((x, y) => y.s - x.s)[0]!
      expect(features[nearest.j]!.cls).toBe(a.cls)
    }
  })

  it('refuses an image that is not inputSize² RGB', async () => {
    await expect(embedder.embed([new Uint8Array(100)])).rejects.toThrow(/needs RGB 224×224/)
  })

  it('falls back from CUDA to the CPU and says why', async () => {
    const cuda = await ImageEmbedder.open(installed.dir, installed.manifest, { providers: ['cuda', 'cpu'] })
    try {
      expect(cuda.provider).toBe('cpu')
      const attempt = cuda.attempts.find((a) => a.provider === 'cuda')!
      expect(attempt.ok).toBe(false)
      // onnxruntime's own words, e.g. "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library".
      expect(attempt.reason).toMatch(/cuda/i)
      expect(cuda.attempts.find((a) => a.provider === 'cpu')).toEqual({
        provider: 'cpu',
        ok: true,
        reason: 'used',
      })
      const [codes] = await cuda.embed([await modelInput(path.join(PHOTOS, 'Dog', 'd1.jpeg'))])
      const [reference] = await embedder.embed([await modelInput(path.join(PHOTOS, 'Dog', 'd1.jpeg'))])
      expect(Buffer.from(codes!).equals(Buffer.from(reference!))).toBe(true)
    } finally {
      await cuda.close()
    }
  })
})
