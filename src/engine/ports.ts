import type { DecodedPhoto, FeatureCodec, ProviderAttempt, ProviderName } from './types.js'

/** Reads and decodes photo files. Errors carry a `code` and a plain-language `reason` (DecodeError). */
export interface PhotoDecoder {
  read(path: string): Promise<Buffer>
  decode(file: Buffer, opts: { inputSize: number; name: string }): Promise<DecodedPhoto>
}

/** The backbone of the active model pack, ready to run. */
export interface FeatureExtractor {
  /** `packId@version`. */
  readonly model: string
  readonly inputSize: number
  readonly dim: number
  readonly codec: FeatureCodec
  readonly provider: ProviderName
  readonly attempts: ProviderAttempt[]
  /** One stored feature (codec bytes) per input image (RGB HWC, inputSize²). */
  embed(inputs: Uint8Array[]): Promise<Uint8Array[]>
  close(): Promise<void>
}

/** Why the extractor is missing, when it is. */
export type ExtractorResult = { ok: true; extractor: FeatureExtractor } | { ok: false; reason: string }

export interface ProgressEvent {
  phase: 'scan' | 'index' | 'download' | 'head'
  done: number
  total: number
  path?: string
  message?: string
}
