import type { RunVerifier } from './dupes/find-duplicates.js'
import type { VerdictCache } from './dupes/verdict-cache.js'
/**
 * The engine's ports: the shapes of everything with a side effect (files, ONNX sessions, LanceDB, the
 * trash, the clock, the environment). Services depend on these; `createEngine(config, adapters)` plugs in
 * the real adapters (`adapters/node-adapters.ts`) or, in unit tests, fakes.
 */
import type { LibrarySettings } from './library/settings.js'
import type { MatMul } from './linalg/ort-matmul.js'
import type { PhotoStore } from './store/photo-store.js'
import type { TrashJournal } from './trash/trash-journal.js'
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

// ---- adapters: every side effect the engine's services reach, passed in by createEngine ----

/** What opening the active pack's backbone needs (the real adapter downloads the pack on first use). */
export interface OpenExtractorOptions {
  packsDir: string
  packId: string
  /** Folder or URL replacing the packs' upstream sources. */
  mirror?: string
  providers: readonly ProviderName[]
  onProgress?: (event: ProgressEvent) => void
}

/** Opens a feature extractor; a pack that cannot be had is a reason, not a throw. */
export type FeatureExtractorFactory = (opts: OpenExtractorOptions) => Promise<ExtractorResult>

/** Dense float32 matrix products (heads, groups, duplicates and training share one per engine). */
export type { MatMul }
export type MatMulFactory = () => Promise<MatMul>

/** Opens the photo table of a library (LanceDB in the real adapter). */
export type StoreFactory = (dbDir: string) => Promise<PhotoStore>

/** What the duplicates service needs of the trash: moving files (journaled), undoing, crash recovery. */
export type TrashPort = Pick<
  TrashJournal,
  'recover' | 'trashFiles' | 'actions' | 'undoLast' | 'restore' | 'needsSettling' | 'markRowsSettled'
>
export type TrashFactory = (opts: { libraryDir: string; now: () => Date }) => TrashPort

/** Time, so that services never read the system clock themselves. */
export interface Clock {
  /** Wall-clock time (timestamps, head versions). */
  now(): Date
  /** A monotonic millisecond counter (durations). */
  monotonicMs(): number
}

/** The environment, read once at the edge (nodeAdapters) into plain values: no engine module reads it. */
export interface EngineEnvironment {
  /** $TESSERA_MODEL_MIRROR: replaces every pack's upstream (tests, offline machines). */
  readonly modelMirror?: string
  /** $TESSERA_TRASH_DIR: replaces the OS trash (tests, sandboxes); files still only ever move. */
  readonly trashDir?: string
}

/** The library's settings as the services see them: read, change and save, or change for this session only. */
export interface SettingsPort {
  get(): LibrarySettings
  /** Saves the change (settings.json) and then applies it. */
  update(patch: Partial<LibrarySettings>): Promise<void>
  /** Applies the change for this session without saving (a read-only engine). */
  assume(patch: Partial<LibrarySettings>): void
}

/** Everything createEngine needs from the outside world. `nodeAdapters()` builds the real ones. */
/**
 * Proves (or refuses) that two photos are the same picture, one an edit of the other, from their pixels:
 * a pair is a near-duplicate only with this evidence. One verifier per duplicates run (it caches).
 */
export type PairVerifierFactory = (
  read: (path: string) => Promise<Buffer>,
  /** The library's 320 px thumbnail of a content hash (null when missing): read instead of the file. */
  thumbnail?: (hash: string) => Promise<Buffer | null>,
  /**
   * mirror: also accept a left-right mirror of the picture (only when the user asks); verdicts: those of earlier
   * runs, kept by the verifier's `close`.
   */
  options?: { mirror?: boolean; verdicts?: VerdictCache },
) => Promise<RunVerifier>

export interface EngineAdapters {
  store: StoreFactory
  decoder: PhotoDecoder
  featureExtractor: FeatureExtractorFactory
  matmul: MatMulFactory
  trash: TrashFactory
  pairVerifier: PairVerifierFactory
  clock: Clock
  env: EngineEnvironment
}
