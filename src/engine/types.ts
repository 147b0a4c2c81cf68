/**
 * Types shared across the engine's modules. Plain data only: no behaviour, no Node imports.
 */

/** Execution providers in onnxruntime-node's vocabulary, in the order Tessera prefers them. */
export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'cpu'

/** One try at creating an inference session on a provider, and why it did or did not work. */
export interface ProviderAttempt {
  provider: ProviderName
  ok: boolean
  /** Plain language: "used", "not requested", or the error that made it fall back. */
  reason: string
}

/**
 * How a pack's backbone feature is stored. `uint8-affine` keeps a natively 8-bit feature exactly
 * (value = scale * (code - zeroPoint)); `float32` stores little-endian float32s.
 */
export type FeatureCodec = { kind: 'uint8-affine'; scale: number; zeroPoint: number } | { kind: 'float32' }

/** `manifest.json` of an installed model pack (validated by zod in models/manifest.ts). */
export interface ModelManifest {
  id: string
  version: string
  name: string
  license: string
  /** Where the pack's files come from upstream (for the user's information and the README). */
  source: string
  visual: {
    file: string
    inputName: string
    /** Square input side in pixels. */
    inputSize: number
    layout: 'NCHW' | 'NHWC'
    /** Applied to RGB scaled to 0..1. */
    mean: [number, number, number]
    std: [number, number, number]
    outputName: string
    /** Dimension of the backbone feature. */
    dim: number
    codec: FeatureCodec
  }
  /** Present when the pack has a text tower (CLIP). */
  text?: {
    file: string
    inputName: string
    outputName: string
    dim: number
    contextLength: number
    /** Token ids as int64 (Hugging Face exports, the default) or int32 (Immich/open_clip exports). */
    inputType?: 'int64' | 'int32'
    /**
     * The BPE tokenizer: Hugging Face's tokenizer.json, or the older vocab.json + merges.txt pair. The
     * manifest names one or the other (checked when it is parsed).
     */
    tokenizerFile?: string
    vocabFile?: string
    mergesFile?: string
  }
  /** sha256 (hex) and size of every file in the pack folder, manifest excluded. */
  files: Record<string, { sha256: string; size: number }>
}

export interface GpsPosition {
  latitude: number
  longitude: number
  altitude: number | null
}

export interface PhotoMetadata {
  /** ISO 8601, local time as written by the camera when no zone is known. */
  takenAt: string | null
  /** Where takenAt came from: EXIF DateTimeOriginal, or another EXIF/XMP date; null or absent without one. */
  dateSource?: 'exif' | 'exif-other' | null
  cameraMake: string | null
  cameraModel: string | null
  gps: GpsPosition | null
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number
}

/** Everything indexing needs from one file, produced by one decode. */
export interface DecodedPhoto {
  /** Lower-case format name: jpeg, png, webp, avif, tiff, gif, heic. */
  format: string
  /** Pixel size after EXIF orientation is applied. */
  width: number
  height: number
  /** RGB, interleaved (HWC), inputSize × inputSize, orientation applied, short side resized then centre-cropped. */
  modelInput: Uint8Array
  /** JPEG, long side 320 px (never upscaled), orientation applied. */
  thumbnail: Buffer
  /** Perceptual fingerprints, 64-bit each as 16 hex characters. */
  phash: string
  dhash: string
  metadata: PhotoMetadata
}
