import fs from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { readJsonIfExists, writeFileAtomic } from '../library/atomic-file.js'
import type { MatMul } from '../linalg/ort-matmul.js'
import type { FeatureCodec } from '../types.js'

/**
 * The GUIE inference head: Dense(backbone→64) then L2 normalisation (the Dropout is identity at inference).
 * A PCA fitted to the library and an ArcFace-trained head are both this shape, so applying either is the same.
 */
export interface Head {
  version: string
  kind: 'pca' | 'arcface'
  /** `packId@version` of the backbone features it applies to, and how they are stored. */
  model: string
  codec: FeatureCodec
  inputDim: number
  outputDim: number
  /** Row-major inputDim × outputDim. */
  weights: Float32Array
  bias: Float32Array
  createdAt: string
  /** How many photos it was fitted or trained on. */
  fittedOn: number
  metrics: Record<string, number>
}

const headFileSchema = z.object({
  version: z.string(),
  kind: z.enum(['pca', 'arcface']),
  model: z.string(),
  codec: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('uint8-affine'), scale: z.number(), zeroPoint: z.number() }),
    z.object({ kind: z.literal('float32') }),
  ]),
  inputDim: z.number().int().positive(),
  outputDim: z.number().int().positive(),
  weights: z.string(),
  bias: z.string(),
  createdAt: z.string(),
  fittedOn: z.number().int().nonnegative(),
  metrics: z.record(z.string(), z.number()),
})

const toBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
function fromBase64(s: string, expected: number, what: string): Float32Array {
  const bytes = Buffer.from(s, 'base64')
  if (bytes.byteLength !== expected * 4)
    throw new Error(`The head's ${what} has ${bytes.byteLength / 4} values, expected ${expected}.`)
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

export function headFile(headsDir: string, version: string): string {
  return path.join(headsDir, `${version}.json`)
}

/** Saved atomically: a head file is either complete or absent. */
export async function saveHead(headsDir: string, head: Head): Promise<void> {
  const file = { ...head, weights: toBase64(head.weights), bias: toBase64(head.bias) }
  await writeFileAtomic(headFile(headsDir, head.version), JSON.stringify(file))
}

export async function loadHead(headsDir: string, version: string): Promise<Head> {
  const raw = await readJsonIfExists(headFile(headsDir, version))
  if (raw === undefined) throw new Error(`Head ${version} is missing from ${headsDir}.`)
  const f = headFileSchema.parse(raw)
  return {
    ...f,
    weights: fromBase64(f.weights, f.inputDim * f.outputDim, 'weights'),
    bias: fromBase64(f.bias, f.outputDim, 'bias'),
  }
}

export async function listHeads(headsDir: string): Promise<string[]> {
  const names = await fs.readdir(headsDir).catch(() => [] as string[])
  return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5))
}

/** L2-normalises each row of a row-major n×d matrix in place (a zero row stays zero). */
export function normalizeRows(m: Float32Array, d: number): void {
  for (let o = 0; o < m.length; o += d) {
    let s = 0
    for (let j = 0; j < d; j++) s += m[o + j]! ** 2
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0
    for (let j = 0; j < d; j++) m[o + j]! *= inv
  }
}

/** Applies the head to n backbone features (row-major n × inputDim) → n unit-length embeddings. */
export async function applyHead(
  head: Head,
  features: Float32Array,
  n: number,
  mm: MatMul,
): Promise<Float32Array> {
  if (n === 0) return new Float32Array(0)
  const out = await mm.run(features, n, head.inputDim, head.weights, head.outputDim)
  const d = head.outputDim
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j]! += head.bias[j]!
  normalizeRows(out, d)
  return out
}
