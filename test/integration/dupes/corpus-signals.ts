/**
 * The signals the product stores for each photo, computed the product's way on a test corpus: the real
 * decoder (size, format, pHash, dHash, model input), the real default pack (MobileNetV2 int8 feature) and a
 * PCA head fitted on the corpus (1280 → 64, unit length), as HeadManager does for a library.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodePhoto } from '../../../src/engine/decode/index.js'
import { decodeFeature, ImageEmbedder } from '../../../src/engine/embed/image-embedder.js'
import { applyHead, type Head } from '../../../src/engine/head/head.js'
import { fitPca } from '../../../src/engine/head/pca.js'
import { MatMul } from '../../../src/engine/linalg/ort-matmul.js'
import { DEFAULT_PACK_ID } from '../../../src/engine/models/catalog.js'
import { installPack } from '../../../src/engine/models/install.js'
import type { DupePhoto } from '../../../src/engine/dupes/index.js'

/** shared/models beside the repository, or TESSERA_MODEL_MIRROR. */
export const MODEL_MIRROR =
  process.env.TESSERA_MODEL_MIRROR ?? fileURLToPath(new URL('../../../../shared/models', import.meta.url))

const HEAD_DIMS = 64
const BATCH = 16

/**
 * Decodes and embeds every file; ids are the paths. With `thumbnails`, each file's 320 px WebP thumbnail (the
 * one the library keeps, which the pair verifier reads) is put there under its path.
 */
export async function corpusSignals(files: string[], thumbnails?: Map<string, Buffer>): Promise<DupePhoto[]> {
  const packsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-dupes-pack-'))
  const mm = await MatMul.create()
  let embedder: ImageEmbedder | undefined
  try {
    const pack = await installPack(DEFAULT_PACK_ID, { packsDir, mirror: MODEL_MIRROR })
    embedder = await ImageEmbedder.open(pack.dir, pack.manifest, { providers: ['cpu'] })
    const inputSize = pack.manifest.visual.inputSize
    const dim = pack.manifest.visual.dim
    const photos: DupePhoto[] = []
    const features = new Float32Array(files.length * dim)
    for (let start = 0; start < files.length; start += BATCH) {
      const chunk = files.slice(start, start + BATCH)
      const decoded = await Promise.all(
        chunk.map(async (file) => {
          const bytes = await fs.readFile(file)
          const d = await decodePhoto(bytes, { inputSize, name: path.basename(file) })
          return { file, bytes, d }
        }),
      )
      const codes = await embedder.embed(decoded.map((x) => x.d.modelInput))
      decoded.forEach(({ file, bytes, d }, i) => {
        thumbnails?.set(file, d.thumbnail)
        decodeFeature(codes[i]!, embedder!.codec, features, (start + i) * dim)
        photos.push({
          id: file,
          path: file,
          size: bytes.length,
          hash: createHash('sha256').update(bytes).digest('hex'),
          width: d.width,
          height: d.height,
          format: d.format,
          takenAt: d.metadata.takenAt,
          cameraMake: d.metadata.cameraMake,
          cameraModel: d.metadata.cameraModel,
          latitude: d.metadata.gps?.latitude ?? null,
          longitude: d.metadata.gps?.longitude ?? null,
          altitude: d.metadata.gps?.altitude ?? null,
          phash: d.phash,
          dhash: d.dhash,
          embedding: null,
        })
      })
    }
    // The library's default head: PCA fitted on the library itself.
    const pca = await fitPca(features, files.length, dim, HEAD_DIMS, mm)
    const bias = new Float32Array(HEAD_DIMS)
    for (let c = 0; c < HEAD_DIMS; c++) {
      let s = 0
      for (let r = 0; r < dim; r++) s += pca.mean[r]! * pca.components[r * HEAD_DIMS + c]!
      bias[c] = -s
    }
    const head: Head = {
      version: 'pca-test',
      kind: 'pca',
      model: `${DEFAULT_PACK_ID}@test`,
      codec: embedder.codec,
      inputDim: dim,
      outputDim: HEAD_DIMS,
      weights: pca.components,
      bias,
      createdAt: new Date(0).toISOString(),
      fittedOn: files.length,
      metrics: {},
    }
    const emb = await applyHead(head, features, files.length, mm)
    photos.forEach((p, i) => (p.embedding = emb.slice(i * HEAD_DIMS, (i + 1) * HEAD_DIMS)))
    return photos
  } finally {
    await embedder?.close()
    await mm.close()
    await fs.rm(packsDir, { recursive: true, force: true })
  }
}
