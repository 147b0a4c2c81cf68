/**
 * Runs a pack's visual backbone: a batch of decoded photos in, one stored feature per photo out, in the
 * pack's codec (uint8 codes for MobileNet, float32 bytes for CLIP). One session.run per batch.
 */
import path from 'node:path'
import type { FeatureExtractor } from '../ports.js'
import type { FeatureCodec, ModelManifest, ProviderAttempt, ProviderName } from '../types.js'
import { createPixelNormaliser, type PixelNormaliser } from './pixels.js'
import { chooseProvider, cpuFailure, sessionOptions } from './session.js'
import { WorkerSession } from './worker-session.js'

export interface ImageEmbedderOptions {
  /** Execution providers, best first; CPU is always tried last. Default: CPU only. */
  providers?: readonly ProviderName[]
  threads?: number
}

// One implementation, in a module with no runtime, so reading stored features never loads onnxruntime.
export { decodeFeature } from '../head/feature-codec.js'

/** Throws when the model lacks the manifest's input or output. */
function checkNames(
  session: { inputNames: readonly string[]; outputNames: readonly string[] },
  v: ModelManifest['visual'],
  packDir: string,
): void {
  const problems: string[] = []
  if (!session.inputNames.includes(v.inputName))
    problems.push(`no input "${v.inputName}" (it has ${session.inputNames.join(', ')})`)
  if (!session.outputNames.includes(v.outputName))
    problems.push(`no output "${v.outputName}" (it has ${session.outputNames.join(', ')})`)
  if (problems.length > 0)
    throw new Error(`${v.file} in ${packDir} does not match its manifest: ${problems.join('; ')}.`)
}

export class ImageEmbedder implements FeatureExtractor {
  /** `packId@version`. */
  readonly model: string
  readonly inputSize: number
  readonly dim: number
  readonly codec: FeatureCodec
  private readonly normaliser: PixelNormaliser
  // One batch at a time in the worker: runs are serialised.
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(
    private readonly session: WorkerSession,
    private readonly manifest: ModelManifest,
    readonly provider: ProviderName,
    readonly attempts: ProviderAttempt[],
  ) {
    const v = manifest.visual
    this.model = `${manifest.id}@${manifest.version}`
    this.inputSize = v.inputSize
    this.dim = v.dim
    this.codec = v.codec
    this.normaliser = createPixelNormaliser(v.inputSize, v.layout, v.mean, v.std)
  }

  static async open(
    packDir: string,
    manifest: ModelManifest,
    opts: ImageEmbedderOptions = {},
  ): Promise<ImageEmbedder> {
    const v = manifest.visual
    const modelPath = path.join(packDir, v.file)
    // Provider fallback runs here, so the attempts (and why each failed) are known. A GPU provider is probed
    // with a session here, then recreated in the worker that will run it (see worker-session.ts); the CPU
    // gets its one session straight in the worker (a probing session cost a second model load at start-up).
    const choice = await chooseProvider(modelPath, {
      preference: opts.providers ?? ['cpu'],
      threads: opts.threads,
    })
    const { provider, attempts } = choice
    if (choice.session) {
      try {
        checkNames(choice.session, v, packDir)
      } finally {
        await choice.session.release()
      }
    }
    let session: WorkerSession
    try {
      session = await WorkerSession.open(modelPath, sessionOptions(provider, opts.threads))
    } catch (err) {
      throw provider === 'cpu' && !choice.session ? cpuFailure(modelPath, choice, err) : err
    }
    try {
      checkNames(session, v, packDir)
    } catch (err) {
      await session.release()
      throw err
    }
    return new ImageEmbedder(session, manifest, provider, attempts)
  }

  /** Inputs: RGB HWC uint8, inputSize² pixels each (already resized and cropped). */
  embed(inputs: Uint8Array[]): Promise<Uint8Array[]> {
    const run = this.queue.then(() => this.run(inputs))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async run(inputs: Uint8Array[]): Promise<Uint8Array[]> {
    if (this.closed) throw new Error('This image embedder has been closed.')
    const n = inputs.length
    if (n === 0) return []
    const v = this.manifest.visual
    const s = v.inputSize
    const length = n * 3 * s * s
    // A fresh buffer per batch: it is transferred to the worker.
    const batch = new Float32Array(length)
    for (let i = 0; i < n; i++) this.normaliser.write(inputs[i]!, batch, i)

    const dims = v.layout === 'NCHW' ? [n, 3, s, s] : [n, s, s, 3]
    const out = await this.session.run(v.inputName, batch, dims, v.outputName)
    const wantType = this.codec.kind === 'uint8-affine' ? 'uint8' : 'float32'
    if (out.type !== wantType || out.data.length !== n * this.dim) {
      throw new Error(
        `The model's "${v.outputName}" is ${out.type} [${out.dims.join(',')}], but the manifest expects ${wantType} [${n},${this.dim}].`,
      )
    }
    const data = out.data as Uint8Array | Float32Array
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    const stride = bytes.byteLength / n
    return Array.from({ length: n }, (_, i) => bytes.slice(i * stride, (i + 1) * stride))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue
    await this.session.release()
  }
}
