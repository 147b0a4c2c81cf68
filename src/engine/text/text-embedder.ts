/**
 * Runs a pack's text tower (CLIP): search text in, one L2-normalised embedding per text out, comparable
 * with the pack's image embeddings by a dot product. Tokenisation (clip-tokenizer.ts) happens here; the
 * model runs in the same kind of worker thread as the image tower (embed/worker-session.ts).
 */
import path from 'node:path'
import { createSession, sessionOptions } from '../embed/session.js'
import { WorkerSession } from '../embed/worker-session.js'
import { CATALOG, DEFAULT_PACK_ID } from '../models/catalog.js'
import type { ModelManifest, ProviderAttempt, ProviderName } from '../types.js'
import { ClipTokenizer } from './clip-tokenizer.js'

export interface TextEmbedderOptions {
  /** Execution providers, best first; CPU is always tried last. Default: CPU only. */
  providers?: readonly ProviderName[]
  threads?: number
  /** Most texts per model run; longer lists are embedded in several runs. Default 32. */
  maxBatch?: number
}

/** The pack the catalog offers for text search, named in the advice. */
function textPackId(): string {
  return CATALOG.find((e) => e.manifest.text !== undefined)?.id ?? 'clip-vit-b32'
}

/** The pack has no text tower, so it cannot search by text. */
export class NoTextTowerError extends Error {
  override readonly name = 'NoTextTowerError'
  /** The pack without a text tower. */
  readonly packId: string
  constructor(manifest: Pick<ModelManifest, 'id'>) {
    const which = manifest.id === DEFAULT_PACK_ID ? 'The default model' : 'The active model'
    super(
      `${which} ${manifest.id} has no text search; download CLIP with \`tessera models download ${textPackId()}\`.`,
    )
    this.packId = manifest.id
  }
}

/** A text with nothing to search for (empty, or only spaces and characters the cleaning removes). */
export class EmptyQueryError extends Error {
  override readonly name = 'EmptyQueryError'
  constructor(readonly index: number) {
    super('The search text is empty: type a few words describing the photos you are looking for.')
  }
}

export class TextEmbedder {
  /** `packId@version`. */
  readonly model: string
  readonly dim: number
  readonly contextLength: number
  private readonly maxBatch: number
  // One batch at a time in the worker: runs are serialised.
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(
    private readonly session: WorkerSession,
    private readonly tokenizer: ClipTokenizer,
    private readonly text: NonNullable<ModelManifest['text']>,
    manifest: ModelManifest,
    readonly provider: ProviderName,
    readonly attempts: ProviderAttempt[],
    maxBatch: number,
  ) {
    this.model = `${manifest.id}@${manifest.version}`
    this.dim = text.dim
    this.contextLength = text.contextLength
    this.maxBatch = maxBatch
  }

  /** Throws NoTextTowerError when the manifest has no `text` section. */
  static async open(
    packDir: string,
    manifest: ModelManifest,
    opts: TextEmbedderOptions = {},
  ): Promise<TextEmbedder> {
    const t = manifest.text
    if (!t) throw new NoTextTowerError(manifest)
    const maxBatch = opts.maxBatch ?? 32
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`maxBatch must be a whole number of at least 1, got ${maxBatch}.`)
    }
    // The tokenizer first: a bad vocabulary fails before any model is loaded.
    const tokenizer = await ClipTokenizer.loadForPack(packDir, t)

    const modelPath = path.join(packDir, t.file)
    // As in ImageEmbedder: provider fallback here, where each attempt's reason is recorded, then the chosen
    // provider's session is created again in the worker that runs it.
    const probe = await createSession(modelPath, {
      preference: opts.providers ?? ['cpu'],
      threads: opts.threads,
    })
    const { provider, attempts } = probe
    const problems: string[] = []
    if (!probe.session.inputNames.includes(t.inputName))
      problems.push(`no input "${t.inputName}" (it has ${probe.session.inputNames.join(', ')})`)
    if (!probe.session.outputNames.includes(t.outputName))
      problems.push(`no output "${t.outputName}" (it has ${probe.session.outputNames.join(', ')})`)
    await probe.session.release()
    if (problems.length > 0) {
      throw new Error(`${t.file} in ${packDir} does not match its manifest: ${problems.join('; ')}.`)
    }
    const session = await WorkerSession.open(modelPath, sessionOptions(provider, opts.threads))
    return new TextEmbedder(session, tokenizer, t, manifest, provider, attempts, maxBatch)
  }

  /** The model input for one text: int64 token ids, `contextLength` of them. */
  tokenize(text: string): BigInt64Array {
    return this.tokenizer.encode(text, this.contextLength)
  }

  /**
   * One L2-normalised embedding (`dim` float32s) per text, in order. Throws EmptyQueryError when a text
   * has no tokens.
   */
  embed(texts: string[]): Promise<Float32Array[]> {
    // Tokenise now, so an empty query fails at once, before waiting for earlier batches.
    let rows: BigInt64Array[]
    try {
      rows = texts.map((text, i) => {
        if (this.tokenizer.encodeIds(text, 1).length === 0) throw new EmptyQueryError(i)
        return this.tokenize(text)
      })
    } catch (err) {
      return Promise.reject(err as Error)
    }
    const run = this.queue.then(() => this.runAll(rows))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async runAll(rows: BigInt64Array[]): Promise<Float32Array[]> {
    const out: Float32Array[] = []
    for (let i = 0; i < rows.length; i += this.maxBatch)
      out.push(...(await this.run(rows.slice(i, i + this.maxBatch))))
    return out
  }

  private async run(rows: BigInt64Array[]): Promise<Float32Array[]> {
    if (this.closed) throw new Error('This text embedder has been closed.')
    const n = rows.length
    const ctx = this.contextLength
    // A fresh buffer per batch: it is transferred to the worker.
    const ids = new BigInt64Array(n * ctx)
    rows.forEach((row, i) => ids.set(row, i * ctx))
    const t = this.text
    // Immich/open_clip text towers take int32 ids (all CLIP ids fit: the vocabulary has 49,408 entries).
    const input = t.inputType === 'int32' ? Int32Array.from(ids, Number) : ids
    const result = await this.session.run(t.inputName, input, [n, ctx], t.outputName)
    if (result.type !== 'float32' || result.data.length !== n * this.dim) {
      throw new Error(
        `The model's "${t.outputName}" is ${result.type} [${result.dims.join(',')}], but the manifest expects float32 [${n},${this.dim}].`,
      )
    }
    const data = result.data as Float32Array
    return Array.from({ length: n }, (_, i) => normalise(data.slice(i * this.dim, (i + 1) * this.dim)))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue
    await this.session.release()
  }
}

/** Scales `v` to unit length, in place. */
function normalise(v: Float32Array): Float32Array {
  let sum = 0
  for (const x of v) sum += x * x
  const norm = Math.sqrt(sum)
  if (!Number.isFinite(norm) || norm === 0) {
    throw new Error(`The text model returned a ${norm === 0 ? 'zero' : 'non-finite'} embedding.`)
  }
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm
  return v
}
