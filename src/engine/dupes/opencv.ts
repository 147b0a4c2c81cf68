/**
 * OpenCV (compiled to WebAssembly, the @techstark/opencv-js package) loaded once per process, typed for the
 * few calls the pair verifier makes. Loading takes about 1.5 s and 100 MB, so it happens only when a pair
 * needs verifying.
 */
import { createRequire } from 'node:module'

export interface CvMat {
  rows: number
  cols: number
  data: Uint8Array
  data64F: Float64Array
  delete(): void
}
interface CvPoint {
  x: number
  y: number
}
interface CvKeyPointVector {
  size(): number
  get(i: number): { pt: CvPoint; response: number }
  delete(): void
}
interface CvDMatch {
  queryIdx: number
  trainIdx: number
  distance: number
}
interface CvDMatchVectorVector {
  size(): number
  get(i: number): { size(): number; get(j: number): CvDMatch }
  delete(): void
}
interface CvOrb {
  detectAndCompute(image: CvMat, mask: CvMat, keypoints: CvKeyPointVector, descriptors: CvMat): void
  delete(): void
}
interface CvBfMatcher {
  knnMatch(query: CvMat, train: CvMat, matches: CvDMatchVectorVector, k: number): void
  delete(): void
}

export interface OpenCv {
  CV_8UC1: number
  CV_32FC2: number
  NORM_HAMMING: number
  RANSAC: number
  Mat: new (rows?: number, cols?: number, type?: number) => CvMat
  KeyPointVector: new () => CvKeyPointVector
  DMatchVectorVector: new () => CvDMatchVectorVector
  ORB: new (nfeatures: number) => CvOrb
  BFMatcher: new (normType: number, crossCheck: boolean) => CvBfMatcher
  estimateAffine2D(
    from: CvMat,
    to: CvMat,
    inliers: CvMat,
    method: number,
    reprojThreshold: number,
    maxIters: number,
    confidence: number,
    refineIters: number,
  ): CvMat
}

// The module is "thenable" (Emscripten's `then`), so it is always handed out wrapped: a promise resolved with
// it, or an async function returning it, would wait on it forever.
let loading: Promise<{ cv: OpenCv }> | null = null

/** The OpenCV module, ready to use (loaded on the first call), as `{ cv }`. */
export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  loading ??= new Promise<{ cv: OpenCv }>((resolve, reject) => {
    try {
      const require = createRequire(import.meta.url)
      const cv = require('@techstark/opencv-js') as OpenCv & { onRuntimeInitialized?: () => void }
      // The module may already be initialised (loaded earlier through another path).
      if (typeof (cv as { Mat?: unknown }).Mat === 'function') resolve({ cv })
      else cv.onRuntimeInitialized = () => resolve({ cv })
    } catch (err) {
      loading = null
      reject(err instanceof Error ? err : new Error(String(err)))
    }
  })
  return loading
}

/** A matrix of `rows` × `cols` of `type` holding a copy of `data`. */
export function matOf(cv: OpenCv, rows: number, cols: number, type: number, data: ArrayBufferView): CvMat {
  const m = new cv.Mat(rows, cols, type)
  m.data.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  return m
}
