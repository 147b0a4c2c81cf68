/**
 * Fake adapters for the engine's services: no ONNX, no sharp, no OS trash. A "photo" is a small text file
 * (`<subject> <variant>`); the fake decoder carries its text in the model input, and the fake extractor
 * turns it into a feature near its subject's direction, so photos of one subject are neighbours.
 * The store stays the real PhotoStore (LanceDB in a temp folder): the services hand it to the indexer,
 * searches and albums, which need the real thing.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createEngine } from '../../../../src/engine/create-engine.js'
import { DecodeError } from '../../../../src/engine/decode/decode-error.js'
import type { Engine, EngineConfig } from '../../../../src/engine/engine.js'
import type {
  Clock,
  EngineAdapters,
  PairVerifierFactory,
  ExtractorResult,
  FeatureExtractor,
  MatMul,
  OpenExtractorOptions,
  PhotoDecoder,
  TrashPort,
} from '../../../../src/engine/ports.js'
import { PhotoStore } from '../../../../src/engine/store/photo-store.js'
import type {
  RecoverResult,
  RestoreResult,
  TrashFilesOptions,
  TrashResult,
  UndoResult,
  JournalAction,
} from '../../../../src/engine/trash/index.js'

export const FAKE_PACK = 'mobilenetv2-12-int8'
export const FAKE_MODEL = `${FAKE_PACK}@fake`
export const FEATURE_DIM = 96
/** The size every shipped pack uses (the indexer decodes at it before the extractor is open). */
const INPUT_SIZE = 224

/** Row-major products in plain JS (the port's shape; MatMul's class type needs the one cast). */
export function fakeMatMul(): MatMul & { calls: number; closed: boolean } {
  const mm = {
    calls: 0,
    closed: false,
    async run(a: Float32Array, m: number, k: number, b: Float32Array, n: number): Promise<Float32Array> {
      if (a.length !== m * k || b.length !== k * n) throw new Error('matmul: shape mismatch')
      mm.calls++
      const out = new Float32Array(m * n)
      for (let i = 0; i < m; i++)
        for (let p = 0; p < k; p++) {
          const av = a[i * k + p]!
          if (av === 0) continue
          for (let j = 0; j < n; j++) out[i * n + j]! += av * b[p * n + j]!
        }
      return out
    },
    async close(): Promise<void> {
      mm.closed = true
    },
  }
  return mm as unknown as MatMul & { calls: number; closed: boolean }
}

/** A deterministic pseudo-random vector for a string (FNV-1a seed, mulberry32). */
function vectorOf(text: string, dim: number): Float32Array {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  const v = new Float32Array(dim)
  for (let d = 0; d < dim; d++) {
    h = (h + 0x6d2b79f5) | 0
    let t = Math.imul(h ^ (h >>> 15), 1 | h)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    v[d] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5
  }
  return v
}

/** The direction every photo of a subject lies near. */
export function subjectDirection(subject: string): Float32Array {
  return vectorOf(subject, FEATURE_DIM)
}

/** The feature of a photo's text: its subject's direction plus a small variant-specific offset. */
export function featureOf(text: string): Float32Array {
  const [subject = '', ...rest] = text.trim().split(/\s+/)
  const base = subjectDirection(subject)
  const noise = vectorOf(`${subject}/${rest.join(' ')}`, FEATURE_DIM)
  return base.map((x, d) => x + 0.15 * noise[d]!)
}

/** 64 bits as 16 hex characters, from a string. */
function fingerprint(text: string): string {
  return [...vectorOf(text, 16)].map((x) => Math.floor((x + 0.5) * 16).toString(16)).join('')
}

function floatBytes(f: Float32Array): Uint8Array {
  return new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength))
}

/** Reads text files; a file starting with "broken" fails to decode as a real corrupt file would. */
export function fakeDecoder(): PhotoDecoder & { decoded: string[] } {
  const decoded: string[] = []
  return {
    decoded,
    read: (p) => fs.readFile(p),
    async decode(file, { inputSize, name }) {
      const text = file.toString('utf8')
      if (text.startsWith('broken')) throw new DecodeError('corrupt', 'The file is damaged.', { name })
      decoded.push(name)
      const modelInput = new Uint8Array(inputSize * inputSize * 3)
      modelInput.set(Buffer.from(text.slice(0, modelInput.length - 1), 'utf8'))
      return {
        format: 'jpeg',
        width: 40,
        height: 30,
        modelInput,
        thumbnail: Buffer.from('thumb'),
        // Perceptual fingerprints follow the subject: same-subject photos look alike, others do not.
        phash: fingerprint(text.split(/\s+/)[0] ?? ''),
        dhash: fingerprint(`d:${text.split(/\s+/)[0] ?? ''}`),
        metadata: { takenAt: null, cameraMake: null, cameraModel: null, gps: null, orientation: 1 },
      }
    },
  }
}

/**
 * A pixel verifier for fake photos: two files can be the same picture when their first word (the subject)
 * agrees; which pairs are proposed at all is the embeddings' business. `refuseAll` makes it refuse every
 * pair; `calls` records them.
 */
export function fakePairVerifier(opts: { refuseAll?: boolean } = {}) {
  const calls: Array<[string, string]> = []
  const factory: PairVerifierFactory = async (read) => async (a, b) => {
    calls.push([a.path, b.path].sort() as [string, string])
    const picture = async (p: string) => (await read(p)).toString('utf8').split(/\s+/)[0]
    return { near: !opts.refuseAll && (await picture(a.path)) === (await picture(b.path)) }
  }
  return { factory, calls }
}

export function fakeExtractor(provider: 'cpu' | 'cuda' = 'cpu'): FeatureExtractor & { closed: boolean } {
  const ex = {
    model: FAKE_MODEL,
    inputSize: INPUT_SIZE,
    dim: FEATURE_DIM,
    codec: { kind: 'float32' } as const,
    provider,
    attempts: [{ provider, ok: true, reason: 'used' }],
    closed: false,
    async embed(inputs: Uint8Array[]): Promise<Uint8Array[]> {
      return inputs.map((input) => {
        const end = input.indexOf(0)
        return floatBytes(
          featureOf(Buffer.from(input.subarray(0, end < 0 ? input.length : end)).toString('utf8')),
        )
      })
    },
    async close() {
      ex.closed = true
    },
  }
  return ex
}

/** A factory that records what it was asked for; `result` decides what it gives. */
export function fakeExtractorFactory(
  result: () => ExtractorResult = () => ({ ok: true, extractor: fakeExtractor() }),
) {
  const calls: OpenExtractorOptions[] = []
  const opened: ExtractorResult[] = []
  const factory = async (opts: OpenExtractorOptions) => {
    calls.push(opts)
    const r = result()
    opened.push(r)
    return r
  }
  return { factory, calls, opened }
}

/** A trash that moves files into a folder of its own, with the last action undoable. */
export function fakeTrash(dir: string): TrashPort & { recovered: number } {
  const actions: JournalAction[] = []
  const trash = {
    recovered: 0,
    async recover(): Promise<RecoverResult> {
      trash.recovered++
      return { actions: [] }
    },
    async trashFiles(paths: readonly string[], options: TrashFilesOptions = {}): Promise<TrashResult> {
      await fs.mkdir(dir, { recursive: true })
      const action: JournalAction = { id: `a${actions.length + 1}`, createdAt: '', state: 'done', items: [] }
      const planned = paths.map((p) => ({ path: p, photoId: options.photos?.get(p)?.id }))
      await options.beforeMoves?.({
        ...action,
        state: 'trashing',
        items: planned.map((p) => ({ ...p, trashPath: null, infoPath: null, size: null, state: 'planned' })),
      })
      const result: TrashResult = { actionId: action.id, moved: [], failed: [] }
      for (const p of paths) {
        const to = path.join(dir, `${action.id}-${path.basename(p)}`)
        try {
          await fs.rename(p, to)
          action.items.push({ path: p, trashPath: to, infoPath: null, size: null, state: 'moved' })
          result.moved.push({ path: p, trashPath: to })
        } catch {
          result.failed.push({ path: p, reason: 'The file does not exist.' })
        }
      }
      actions.push(action)
      return result
    },
    async actions() {
      return actions
    },
    async undoLast(): Promise<UndoResult> {
      const last = [...actions].reverse().find((a) => a.state === 'done')
      if (!last) return { actionId: null, restored: [], failed: [] }
      for (const item of last.items) await fs.rename(item.trashPath!, item.path)
      last.state = 'undone'
      return { actionId: last.id, restored: last.items.map((i) => i.path), failed: [] }
    },
    async restore(): Promise<RestoreResult> {
      return { actionIds: [], restored: [], failed: [] }
    },
    async needsSettling() {
      return false
    },
    async markRowsSettled() {},
  }
  return trash
}

/** A clock that stands still unless advanced. */
export function fakeClock(iso = '2026-01-02T03:04:05.000Z'): Clock & { advance(ms: number): void } {
  let ms = 0
  let date = new Date(iso)
  return {
    now: () => date,
    monotonicMs: () => ms,
    advance(step: number) {
      ms += step
      date = new Date(date.getTime() + step)
    },
  }
}

export interface FakeWorld {
  dir: string
  libraryDir: string
  photosDir: string
  adapters: EngineAdapters
  decoder: ReturnType<typeof fakeDecoder>
  extractors: ReturnType<typeof fakeExtractorFactory>
  matmuls: Array<ReturnType<typeof fakeMatMul>>
  trash: ReturnType<typeof fakeTrash>
  clock: ReturnType<typeof fakeClock>
  open(config?: Partial<EngineConfig>): Promise<Engine>
  /** Writes photo files: `{ 'red-1.jpg': 'red 1' }`. */
  write(files: Record<string, string>, sub?: string): Promise<string[]>
  cleanup(): Promise<void>
}

/** The manifest of a pack the fake extractor stands for (no model file: opened with verify off). */
export async function installFakePack(packsDir: string): Promise<void> {
  const dir = path.join(packsDir, FAKE_PACK)
  await fs.mkdir(dir, { recursive: true })
  const manifest = {
    id: FAKE_PACK,
    version: 'fake',
    name: 'Fake pack',
    license: 'MIT',
    source: 'unit tests',
    visual: {
      file: 'model.onnx',
      inputName: 'input',
      inputSize: INPUT_SIZE,
      layout: 'NHWC',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      outputName: 'output',
      dim: FEATURE_DIM,
      codec: { kind: 'float32' },
    },
    files: { 'model.onnx': { sha256: '0'.repeat(64), size: 0 } },
  }
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest))
}

export async function fakeWorld(
  opts: {
    pack?: boolean
    extractor?: () => ExtractorResult
    verifier?: ReturnType<typeof fakePairVerifier>
  } = {},
): Promise<FakeWorld> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-services-'))
  const libraryDir = path.join(dir, 'library')
  const photosDir = path.join(dir, 'photos')
  await fs.mkdir(photosDir, { recursive: true })
  if (opts.pack ?? true) await installFakePack(path.join(libraryDir, 'packs'))
  const decoder = fakeDecoder()
  const extractors = fakeExtractorFactory(opts.extractor)
  const matmuls: Array<ReturnType<typeof fakeMatMul>> = []
  const trash = fakeTrash(path.join(dir, 'trash'))
  const clock = fakeClock()
  const adapters: EngineAdapters = {
    store: (dbDir) => PhotoStore.open(dbDir),
    decoder,
    featureExtractor: extractors.factory,
    matmul: async () => {
      const mm = fakeMatMul()
      matmuls.push(mm)
      return mm
    },
    trash: () => trash,
    pairVerifier: (opts.verifier ?? fakePairVerifier()).factory,
    clock,
    env: { modelMirror: '/mirror/from/env' },
  }
  const engines: Engine[] = []
  return {
    dir,
    libraryDir,
    photosDir,
    adapters,
    decoder,
    extractors,
    matmuls,
    trash,
    clock,
    async open(config = {}) {
      const engine = await createEngine({ libraryDir, ...config }, adapters)
      engines.push(engine)
      return engine
    },
    async write(files, sub = '') {
      const folder = path.join(photosDir, sub)
      await fs.mkdir(folder, { recursive: true })
      const written: string[] = []
      for (const [name, text] of Object.entries(files)) {
        const p = path.join(folder, name)
        await fs.writeFile(p, text)
        written.push(p)
      }
      return written
    },
    async cleanup() {
      for (const e of engines) await e.close().catch(() => undefined)
      await fs.rm(dir, { recursive: true, force: true })
    },
  }
}

/** `{ 'red-1.jpg': 'red 1', … }` for every subject × variant. */
export function photoSet(subjects: readonly string[], variants: number): Record<string, string> {
  const files: Record<string, string> = {}
  for (const s of subjects) for (let v = 1; v <= variants; v++) files[`${s}-${v}.jpg`] = `${s} ${v}`
  return files
}
