/**
 * The real adapters, and the one place the engine reads the environment: LanceDB for the store, sharp and
 * the HEIC workers for decoding, onnxruntime for the backbone and matrix products, the OS trash (or
 * $TESSERA_TRASH_DIR), the system clock.
 *
 * The heavy ones load on first use, not when the engine opens: decoding (sharp, exifr, the HEIC workers),
 * the backbone and the matrix products (onnxruntime, onnx-proto) are imported by the first call that needs
 * them, so a read-only command such as `tessera status` loads only LanceDB.
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { readPhotoFile } from '../decode/read-photo-file.js'
import { mirrorFromEnv } from '../models/mirror.js'
import type { Clock, EngineAdapters, EngineEnvironment, PhotoDecoder } from '../ports.js'
import { PhotoStore } from '../store/photo-store.js'
import { TrashJournal } from '../trash/trash-journal.js'

export const TRASH_DIR_ENV = 'TESSERA_TRASH_DIR'

/** A plain copy of the environment variables, taken once. */
export type EnvRecord = Readonly<Record<string, string | undefined>>

/** The engine's settings from the environment (blank values count as unset). */
export function environmentFrom(env: EnvRecord): EngineEnvironment {
  return { modelMirror: mirrorFromEnv(env), trashDir: env[TRASH_DIR_ENV]?.trim() || undefined }
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
}

/** Reads files at once (plain fs); loads the decoders (sharp, exifr) with the first decode. */
export const lazyFileDecoder: PhotoDecoder = {
  read: readPhotoFile,
  decode: async (file, opts) => (await import('../decode/file-decoder.js')).fileDecoder.decode(file, opts),
}

/** The production adapters; `env` is read here, once (default: this process's environment). */
export function nodeAdapters(env: EnvRecord = process.env): EngineAdapters {
  const snapshot: Record<string, string | undefined> = { ...env }
  const environment = environmentFrom(snapshot)
  return {
    store: (dbDir) => PhotoStore.open(dbDir),
    decoder: lazyFileDecoder,
    featureExtractor: async (opts) =>
      (await import('../embed/feature-extractor.js')).openFeatureExtractor(opts),
    matmul: async () => (await import('../linalg/ort-matmul.js')).MatMul.create(),
    trash: ({ libraryDir, now }) =>
      new TrashJournal({ libraryDir, trashDir: environment.trashDir, env: snapshot, now }),
    // OpenCV (WASM) is loaded on the first verification only.
    pairVerifier: async (readFile, thumbnail, options) =>
      (await import('../dupes/verify-pair.js')).createPairVerifier({
        readFile,
        mirror: options?.mirror ?? false,
        verdicts: options?.verdicts,
        // The decodes and checks run on worker threads, one per core (at most 4).
        workers: Math.min(4, os.availableParallelism()),
        readThumbnail: thumbnail ? (p) => (p.hash ? thumbnail(p.hash) : Promise.resolve(null)) : undefined,
      }),
    clock: systemClock,
    env: environment,
  }
}
