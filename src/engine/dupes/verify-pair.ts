/**
 * Proof that two photos are the same picture: pixel-level evidence that one is an edit of the other (resize,
 * re-compression, crop, small rotation, border, brightness or contrast, grayscale, watermark, format change).
 * Hashes and embeddings only propose candidate pairs; a pair is near only when this says so.
 *
 * How: both photos are decoded small (long side 320 px, EXIF orientation applied; in the library, from the
 * 320 px thumbnail made at indexing, never the whole file). 0. A quick look: the 100 strongest keypoints of
 * each must share at least 10 ratio-test matches (pairs of different photos stop here). 1. Geometry: ORB keypoints
 * matched with a ratio test, and a RANSAC affine fit (OpenCV); the fit must be a similarity (uniform scale, a
 * small rotation, no shear or flip), carried by enough inliers, and one frame must lie mostly inside the
 * other. 2. Detail: the finer picture is warped into the coarser one's frame and their band-passed grey
 * levels must correlate over the overlap (another photo of a look-alike scene, even one that fits some
 * keypoints, does not have the same fine detail in the same places). 3. Colour: over the overlap, the
 * chroma of the two must point the same way (a recoloured copy is not the same picture), unless one side
 * is grayscale. A horizontal mirror is tried only when asked (`mirror`).
 *
 * Why this approach: local features with RANSAC are the standard proof that two images show the same pixels
 * under a geometric transform; they see through crops, borders, small rotations and watermarks, where
 * global hashes and embeddings fail or, worse, agree on different photos of similar subjects. OpenCV is the
 * well-kept reference implementation; its WebAssembly build needs no native toolchain, loads in about
 * 1.5 s (only when a pair needs verifying) and works on the raw pixels sharp gives us. The detail and
 * colour checks are plain loops over the 320 px pictures. When a picture has too few keypoints (flat
 * images), the frame-to-frame hypothesis (a resize) is checked by the same detail and colour tests.
 *
 * The thresholds (verify-rules.ts) were tuned on generated images (test/unit/dupes/verify-pair.test.ts) and on the seed-5class
 * corpus of test/fixtures/near-dupes.ts, and checked on flowers17-40 (see the integration test).
 */
import fs from 'node:fs/promises'
import sharp from 'sharp'
import { loadOpenCv, matOf, type CvMat, type OpenCv } from './opencv.js'
import { VerdictCache, type CachedVerdict } from './verdict-cache.js'
import { VerifyPool } from './verify-pool.js'

export { VERIFY_SIDE } from './verify-rules.js'
import {
  VERIFY_SIDE,
  ORB_FEATURES,
  QUICK_FEATURES,
  QUICK_MIN_MATCHES,
  FLAT_FEATURES,
  RATIO,
  RANSAC_PX,
  MIN_INLIERS,
  MAX_ROTATION_DEG,
  MAX_ANISOTROPY,
  MAX_SHEAR,
  MIN_SCALE,
  MIN_CONTAINED,
  MIN_OVERLAP,
  MIN_DETAIL,
  GRAY_CHROMA,
  MIN_CHROMA_COS,
  MAX_CHROMA_RATIO,
  PALE_CHROMA,
  MIN_PALE_CHROMA_COS,
  BAND_FINE,
  BAND_COARSE,
} from './verify-rules.js'

/** A photo decoded for verification. */
export interface PreparedImage {
  width: number
  height: number
  /** Grey level 0..255. */
  gray: Float32Array
  /** Chroma planes (Cb, Cr, −128..128), made once here rather than at each comparison. */
  cb: Float32Array
  cr: Float32Array
  /** RMS chroma of the whole picture (Cb, Cr, 0..128). */
  chroma: number
  features: Features
  /** The same picture mirrored left-right, made when first needed. */
  mirrored?: PreparedImage
}

interface Features {
  count: number
  /** x, y per keypoint. */
  points: Float32Array
  /** 32 bytes (8 words) per keypoint. */
  words: Uint32Array
}

export interface EditVerdict {
  /** The pictures are the same picture (one an edit of the other). */
  near: boolean
  /** What decided, in plain language. */
  reason: string
  /** Keypoint matches passing the ratio test, and the RANSAC inliers among them. */
  matches: number
  inliers: number
  /** How the fit maps the first picture onto the second (at the compared size), when there is one. */
  scale: number | null
  rotationDeg: number | null
  /** Share of the smaller-looking frame inside the other, and of the other frame covered. */
  contained: number | null
  overlap: number | null
  /** Band-passed grey-level correlation over the overlap. */
  detail: number | null
  /** Chroma agreement: 'agree', 'grayscale' (one side has no colour), or 'differs'. */
  colour: 'agree' | 'grayscale' | 'differs' | null
  chromaCos: number | null
  /** The second picture matched once mirrored (only tried with `mirror`). */
  mirrored: boolean
  /**
   * How complete the match is, 0..1 (overlap × detail): a copy of the whole picture scores near 1, a crop
   * less. Groups are built from the most complete matches first.
   */
  score: number | null
}

export interface VerifyOptions {
  /** Also accept a left-right mirror of the picture. Default false. */
  mirror?: boolean
}

type Affine = [number, number, number, number, number, number]

/** Decodes a photo (bytes or a path) for verification. */
export async function prepareImage(input: Buffer | string): Promise<PreparedImage> {
  const { data, info } = await sharp(input, { failOn: 'none' })
    .rotate()
    .resize(VERIFY_SIDE, VERIFY_SIDE, { fit: 'inside' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  const { width, height, channels } = info
  const rgb = new Uint8Array(width * height * 3)
  for (let i = 0, n = width * height; i < n; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * channels + (channels >= 3 ? c : 0)]!
  }
  return fromRgb((await loadOpenCv()).cv, width, height, rgb)
}

/** The grey level as ORB sees it (8 bits). */
function gray8Of(gray: Float32Array): Uint8Array {
  const out = new Uint8Array(gray.length)
  for (let i = 0; i < gray.length; i++) out[i] = Math.round(gray[i]!)
  return out
}

function fromRgb(cv: OpenCv, width: number, height: number, rgb: Uint8Array): PreparedImage {
  const n = width * height
  const gray = new Float32Array(n)
  const gray8 = new Uint8Array(n)
  const cbs = new Float32Array(n)
  const crs = new Float32Array(n)
  let chroma = 0
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3]!
    const g = rgb[i * 3 + 1]!
    const b = rgb[i * 3 + 2]!
    const y = 0.299 * r + 0.587 * g + 0.114 * b
    gray[i] = y
    gray8[i] = Math.round(y)
    const cb = -0.1687 * r - 0.3313 * g + 0.5 * b
    const cr = 0.5 * r - 0.4187 * g - 0.0813 * b
    cbs[i] = cb
    crs[i] = cr
    chroma += cb * cb + cr * cr
  }
  return {
    width,
    height,
    gray,
    cb: cbs,
    cr: crs,
    chroma: Math.sqrt(chroma / n),
    features: orbFeatures(cv, width, height, gray8),
  }
}

function orbFeatures(cv: OpenCv, width: number, height: number, gray8: Uint8Array): Features {
  const img = matOf(cv, height, width, cv.CV_8UC1, gray8)
  const mask = new cv.Mat()
  const keypoints = new cv.KeyPointVector()
  const descriptors = new cv.Mat()
  const orb = new cv.ORB(ORB_FEATURES)
  try {
    orb.detectAndCompute(img, mask, keypoints, descriptors)
    const count = descriptors.rows > 0 ? keypoints.size() : 0
    // Each keypoint read once (every get() crosses into WebAssembly and makes an object).
    const xs = new Float32Array(count)
    const ys = new Float32Array(count)
    const response = new Float64Array(count)
    for (let i = 0; i < count; i++) {
      const k = keypoints.get(i)
      xs[i] = k.pt.x
      ys[i] = k.pt.y
      response[i] = k.response
    }
    // Strongest keypoints first: the quick first look compares the first QUICK_FEATURES of each picture.
    const order = Array.from({ length: count }, (_, i) => i)
    order.sort((x, y) => response[y]! - response[x]! || x - y)
    const points = new Float32Array(count * 2)
    const words = new Uint32Array(count * 8)
    const bytes = new Uint8Array(words.buffer)
    const data = descriptors.data
    order.forEach((from, to) => {
      points[to * 2] = xs[from]!
      points[to * 2 + 1] = ys[from]!
      bytes.set(data.subarray(from * 32, from * 32 + 32), to * 32)
    })
    return { count, points, words }
  } finally {
    for (const m of [img, mask, keypoints, descriptors, orb]) m.delete()
  }
}

function mirrorOf(cv: OpenCv, p: PreparedImage): PreparedImage {
  if (!p.mirrored) {
    const { width, height } = p
    const flip = (v: Float32Array) => {
      const out = new Float32Array(v.length)
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) out[y * width + x] = v[y * width + (width - 1 - x)]!
      return out
    }
    const gray = flip(p.gray)
    p.mirrored = {
      width,
      height,
      gray,
      cb: flip(p.cb),
      cr: flip(p.cr),
      chroma: p.chroma,
      features: orbFeatures(cv, width, height, gray8Of(gray)),
    }
  }
  return p.mirrored
}

/** Bits set in a 32-bit word (SWAR: faster in V8 than two lookups in a 64 KB table). */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/**
 * Matches of a's keypoints in b passing the ratio test, as point lists: a brute-force Hamming search in plain
 * JavaScript over the 256-bit descriptors (as fast as OpenCV's WASM matcher, without its per-match objects).
 */
function ratioMatches(a: Features, b: Features, limit = Infinity): { from: Float32Array; to: Float32Array } {
  const na = Math.min(a.count, limit)
  const nb = Math.min(b.count, limit)
  if (na < 2 || nb < 2) return { from: new Float32Array(0), to: new Float32Array(0) }
  const da = a.words
  const db = b.words
  const from: number[] = []
  const to: number[] = []
  for (let i = 0; i < na; i++) {
    const o = i * 8
    const a0 = da[o]!
    const a1 = da[o + 1]!
    const a2 = da[o + 2]!
    const a3 = da[o + 3]!
    const a4 = da[o + 4]!
    const a5 = da[o + 5]!
    const a6 = da[o + 6]!
    const a7 = da[o + 7]!
    let best = 1 << 30
    let second = 1 << 30
    let bestJ = -1
    for (let j = 0, p = 0; j < nb; j++, p += 8) {
      let x = a0 ^ db[p]!
      let d = popcount(x)
      x = a1 ^ db[p + 1]!
      d += popcount(x)
      x = a2 ^ db[p + 2]!
      d += popcount(x)
      x = a3 ^ db[p + 3]!
      d += popcount(x)
      if (d >= second) continue
      x = a4 ^ db[p + 4]!
      d += popcount(x)
      x = a5 ^ db[p + 5]!
      d += popcount(x)
      x = a6 ^ db[p + 6]!
      d += popcount(x)
      x = a7 ^ db[p + 7]!
      d += popcount(x)
      if (d < best) {
        second = best
        best = d
        bestJ = j
      } else if (d < second) second = d
    }
    if (bestJ < 0 || second === 1 << 30 || best >= RATIO * second) continue
    from.push(a.points[i * 2]!, a.points[i * 2 + 1]!)
    to.push(b.points[bestJ * 2]!, b.points[bestJ * 2 + 1]!)
  }
  return { from: Float32Array.from(from), to: Float32Array.from(to) }
}

/** RANSAC affine fit from → to; null when it fails. */
function fitAffine(cv: OpenCv, from: Float32Array, to: Float32Array): { m: Affine; inliers: number } | null {
  const n = from.length / 2
  if (n < 3) return null
  const src = matOf(cv, n, 1, cv.CV_32FC2, from)
  const dst = matOf(cv, n, 1, cv.CV_32FC2, to)
  const mask = new cv.Mat()
  let fit: CvMat | null = null
  try {
    fit = cv.estimateAffine2D(src, dst, mask, cv.RANSAC, RANSAC_PX, 2000, 0.995, 10)
    if (fit.rows !== 2 || fit.cols !== 3) return null
    let inliers = 0
    for (let i = 0; i < mask.rows; i++) if (mask.data[i]) inliers++
    const d = fit.data64F
    return { m: [d[0]!, d[1]!, d[2]!, d[3]!, d[4]!, d[5]!], inliers }
  } finally {
    for (const m of [src, dst, mask]) m.delete()
    fit?.delete()
  }
}

interface Shape {
  scale: number
  rotationDeg: number
  ok: boolean
  why: string
}

/** Is the affine fit a similarity (uniform scale, small rotation, no shear, no flip)? */
function shapeOf(m: Affine): Shape {
  const [a, b, , c, d] = m
  const sx = Math.hypot(a, c)
  const sy = Math.hypot(b, d)
  const det = a * d - b * c
  const scale = Math.sqrt(Math.abs(det))
  const rotationDeg = (Math.atan2(c, a) * 180) / Math.PI
  const shear = Math.abs(a * b + c * d) / (sx * sy || 1)
  let why = ''
  if (det <= 0) why = 'the fit flips the picture'
  else if (Math.abs(sx / sy - 1) > MAX_ANISOTROPY || shear > MAX_SHEAR) why = 'the fit stretches or shears'
  else if (Math.abs(rotationDeg) > MAX_ROTATION_DEG) why = `the fit turns by ${rotationDeg.toFixed(0)}°`
  else if (scale < MIN_SCALE || scale > 1 / MIN_SCALE) why = `the fit scales by ${scale.toFixed(2)}`
  return { scale, rotationDeg, ok: why === '', why }
}

function invert(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m
  const det = a * d - b * c
  const ia = d / det
  const ib = -b / det
  const ic = -c / det
  const id = a / det
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)]
}

interface PixelCheck {
  contained: number
  overlap: number
  detail: number
  colour: 'agree' | 'grayscale' | 'differs'
  chromaCos: number | null
}

/**
 * Warps `fine` into the frame of `coarse` through `toFine` (coarse pixel → fine pixel) and compares detail and
 * colour over the overlap.
 *
 * Written as three fused passes over the coarse frame (this is most of a verification's cost): the warp, which
 * also sums the chroma agreement; the summed-area tables of the overlap mask and of both grey pictures over it;
 * and the band-pass of both from those tables (normalised box means, so the edge of the overlap does not count
 * as detail), summed into the correlation as it goes.
 */
function comparePixels(coarse: PreparedImage, fine: PreparedImage, toFine: Affine): PixelCheck {
  const { width, height } = coarse
  const n = width * height
  const valid = new Uint8Array(n)
  const warped = new Float32Array(n)
  const [a, b, tx, c, d, ty] = toFine
  const fw = fine.width
  const maxX = fine.width - 1
  const maxY = fine.height - 1
  const { gray: fg, cb: fcb, cr: fcr } = fine
  const { cb: acb, cr: acr } = coarse
  let count = 0
  let cab = 0
  let caa = 0
  let cbb = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const fx = a * x + b * y + tx
      const fy = c * x + d * y + ty
      if (fx < 0 || fy < 0 || fx > maxX || fy > maxY) continue
      const x0 = Math.min(Math.floor(fx), fw - 2)
      const y0 = Math.min(Math.floor(fy), fine.height - 2)
      const ux = fx - x0
      const uy = fy - y0
      const i00 = y0 * fw + x0
      const i10 = i00 + 1
      const i01 = i00 + fw
      const i11 = i01 + 1
      const w00 = (1 - ux) * (1 - uy)
      const w10 = ux * (1 - uy)
      const w01 = (1 - ux) * uy
      const w11 = ux * uy
      const i = y * width + x
      valid[i] = 1
      count++
      warped[i] = w00 * fg[i00]! + w10 * fg[i10]! + w01 * fg[i01]! + w11 * fg[i11]!
      // Chroma is linear in RGB, so the warped chroma is the warp of the chroma planes.
      const cbB = w00 * fcb[i00]! + w10 * fcb[i10]! + w01 * fcb[i01]! + w11 * fcb[i11]!
      const crB = w00 * fcr[i00]! + w10 * fcr[i10]! + w01 * fcr[i01]! + w11 * fcr[i11]!
      const cbA = acb[i]!
      const crA = acr[i]!
      cab += cbA * cbB + crA * crB
      caa += cbA * cbA + crA * crA
      cbb += cbB * cbB + crB * crB
    }
  }
  const det = Math.abs(a * d - b * c)
  const contained = count / n
  const coveredFine = Math.min(1, (count * det) / (fine.width * fine.height))

  // Summed-area tables of the mask (sw) and of each grey picture over the mask (sa, sb).
  const stride = width + 1
  const size = stride * (height + 1)
  const sw = new Float64Array(size)
  const sa = new Float64Array(size)
  const sb = new Float64Array(size)
  const ga = coarse.gray
  for (let y = 0; y < height; y++) {
    let runW = 0
    let runA = 0
    let runB = 0
    const row = (y + 1) * stride
    for (let x = 0; x < width; x++) {
      const i = y * width + x
      if (valid[i]) {
        runW += 1
        runA += ga[i]!
        runB += warped[i]!
      }
      const t = row + x + 1
      sw[t] = sw[t - stride]! + runW
      sa[t] = sa[t - stride]! + runA
      sb[t] = sb[t - stride]! + runB
    }
  }
  // Band-pass of both (fine box mean less coarse box mean, each rounded as a float32 picture would be) and
  // their correlation over the overlap.
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let y = 0; y < height; y++) {
    const f0 = Math.max(0, y - BAND_FINE) * stride
    const f1 = Math.min(height, y + BAND_FINE + 1) * stride
    const c0 = Math.max(0, y - BAND_COARSE) * stride
    const c1 = Math.min(height, y + BAND_COARSE + 1) * stride
    for (let x = 0; x < width; x++) {
      if (!valid[y * width + x]) continue
      const fx0 = Math.max(0, x - BAND_FINE)
      const fx1 = Math.min(width, x + BAND_FINE + 1)
      const cx0 = Math.max(0, x - BAND_COARSE)
      const cx1 = Math.min(width, x + BAND_COARSE + 1)
      const fA = f1 + fx1
      const fB = f0 + fx1
      const fC = f1 + fx0
      const fD = f0 + fx0
      const cA = c1 + cx1
      const cB = c0 + cx1
      const cC = c1 + cx0
      const cD = c0 + cx0
      const fwSum = sw[fA]! - sw[fB]! - sw[fC]! + sw[fD]!
      const cwSum = sw[cA]! - sw[cB]! - sw[cC]! + sw[cD]!
      const fineA = fwSum > 0 ? (sa[fA]! - sa[fB]! - sa[fC]! + sa[fD]!) / fwSum : 0
      const fineB = fwSum > 0 ? (sb[fA]! - sb[fB]! - sb[fC]! + sb[fD]!) / fwSum : 0
      const coarseA = cwSum > 0 ? (sa[cA]! - sa[cB]! - sa[cC]! + sa[cD]!) / cwSum : 0
      const coarseB = cwSum > 0 ? (sb[cA]! - sb[cB]! - sb[cC]! + sb[cD]!) / cwSum : 0
      const p = Math.fround(Math.fround(fineA) - Math.fround(coarseA))
      const q = Math.fround(Math.fround(fineB) - Math.fround(coarseB))
      sab += p * q
      saa += p * p
      sbb += q * q
    }
  }
  const detail = saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0
  let colour: PixelCheck['colour']
  let chromaCos: number | null = null
  const rmsA = Math.sqrt(caa / Math.max(1, count))
  const rmsB = Math.sqrt(cbb / Math.max(1, count))
  if (coarse.chroma < GRAY_CHROMA || fine.chroma < GRAY_CHROMA) colour = 'grayscale'
  else if (rmsA < GRAY_CHROMA && rmsB < GRAY_CHROMA) colour = 'agree'
  else {
    chromaCos = caa > 0 && cbb > 0 ? cab / Math.sqrt(caa * cbb) : 0
    const ratio = Math.max(rmsA, rmsB) / Math.max(1e-6, Math.min(rmsA, rmsB))
    const pale = Math.min(rmsA, rmsB) < PALE_CHROMA
    const agree = pale
      ? chromaCos >= MIN_PALE_CHROMA_COS
      : chromaCos >= MIN_CHROMA_COS && ratio <= MAX_CHROMA_RATIO
    colour = agree ? 'agree' : 'differs'
  }
  return {
    contained: Math.max(contained, coveredFine),
    overlap: Math.min(contained, coveredFine),
    detail,
    colour,
    chromaCos,
  }
}

function emptyVerdict(reason: string, matches: number, inliers: number, mirrored: boolean): EditVerdict {
  return {
    near: false,
    reason,
    matches,
    inliers,
    scale: null,
    rotationDeg: null,
    contained: null,
    overlap: null,
    detail: null,
    colour: null,
    chromaCos: null,
    mirrored,
    score: null,
  }
}

/** Checks the fit `aToB` (a pixel → b pixel) at the pixel level. */
function judgeFit(
  a: PreparedImage,
  b: PreparedImage,
  aToB: Affine,
  matches: number,
  inliers: number,
  mirrored: boolean,
  how: string,
): EditVerdict {
  const shape = shapeOf(aToB)
  const base = {
    ...emptyVerdict('', matches, inliers, mirrored),
    scale: shape.scale,
    rotationDeg: shape.rotationDeg,
  }
  if (!shape.ok) return { ...base, reason: `No edit: ${shape.why}.` }
  // Compare in the coarser frame: the finer picture is sampled into it.
  const px = shape.scale >= 1 ? comparePixels(a, b, aToB) : comparePixels(b, a, invert(aToB))
  const verdict: EditVerdict = { ...base, ...px, score: Math.max(0, px.overlap * px.detail) }
  const figures =
    `${how}; scale ${shape.scale.toFixed(2)}, rotation ${shape.rotationDeg.toFixed(1)}°, ` +
    `${Math.round(px.contained * 100)} % inside, detail ${px.detail.toFixed(2)}, colour ${px.colour}` +
    (mirrored ? ', mirrored' : '')
  if (px.contained < MIN_CONTAINED || px.overlap < MIN_OVERLAP)
    return { ...verdict, reason: `Not the same frame (${figures}).` }
  if (px.detail < MIN_DETAIL) return { ...verdict, reason: `The details differ (${figures}).` }
  if (px.colour === 'differs') return { ...verdict, reason: `The colours differ (${figures}).` }
  return { ...verdict, near: true, reason: `Same picture (${figures}).` }
}

function verifyOriented(cv: OpenCv, a: PreparedImage, b: PreparedImage, mirrored: boolean): EditVerdict {
  // Only a flat picture (few keypoints) can be a copy without matching keypoints: the plain resize of the
  // whole frame is checked for it alone (a resize keeps the keypoints of a detailed picture).
  const flat = Math.min(a.features.count, b.features.count) < FLAT_FEATURES
  if (!flat && QUICK_FEATURES < Math.max(a.features.count, b.features.count)) {
    // A first look at the strongest keypoints of each: most pairs of different pictures stop here.
    const quick = ratioMatches(a.features, b.features, QUICK_FEATURES).from.length / 2
    if (quick < QUICK_MIN_MATCHES)
      return emptyVerdict(
        `No edit found: ${quick} of the ${QUICK_FEATURES} strongest keypoints match.`,
        quick,
        0,
        mirrored,
      )
  }
  const { from, to } = ratioMatches(a.features, b.features)
  const matches = from.length / 2
  const fit = matches >= MIN_INLIERS ? fitAffine(cv, from, to) : null
  const inliers = fit?.inliers ?? 0
  let v: EditVerdict | null = null
  if (fit && inliers >= MIN_INLIERS) {
    v = judgeFit(a, b, fit.m, matches, inliers, mirrored, `${inliers} of ${matches} keypoint matches fit`)
    if (v.near) return v
  }
  const frame = flat ? frameFit(a, b) : null
  if (!frame)
    return (
      v ??
      emptyVerdict(
        `No edit found: ${inliers} of ${matches} keypoint matches fit.`,
        matches,
        inliers,
        mirrored,
      )
    )
  const w = judgeFit(a, b, frame, matches, inliers, mirrored, 'same frame, resized')
  return w.near || !v ? w : v
}

/** The whole-frame resize from a to b, when the aspect ratios agree within 2 %. */
function frameFit(a: PreparedImage, b: PreparedImage): Affine | null {
  const ra = a.width / a.height
  const rb = b.width / b.height
  if (Math.abs(ra / rb - 1) > 0.02) return null
  const sx = (b.width - 1) / Math.max(1, a.width - 1)
  const sy = (b.height - 1) / Math.max(1, a.height - 1)
  return [sx, 0, 0, 0, sy, 0]
}

/** Is one of two prepared pictures an edit of the other? */
export async function verifyPrepared(
  a: PreparedImage,
  b: PreparedImage,
  opts: VerifyOptions = {},
): Promise<EditVerdict> {
  const { cv } = await loadOpenCv()
  const direct = verifyBothWays(cv, a, b, false)
  if (direct.near || !opts.mirror) return direct
  const flipped = verifyBothWays(cv, a, mirrorOf(cv, b), true)
  return flipped.near ? flipped : direct
}

/**
 * a against b, and when that fails past the quick first look, b against a: the ratio test and the fit are
 * not symmetric (on the seed-5class corpus, one 5 % border of 40 was proven in one direction only).
 */
function verifyBothWays(cv: OpenCv, a: PreparedImage, b: PreparedImage, mirrored: boolean): EditVerdict {
  const ab = verifyOriented(cv, a, b, mirrored)
  if (ab.near || ab.matches < QUICK_MIN_MATCHES) return ab
  const ba = verifyOriented(cv, b, a, mirrored)
  if (!ba.near) return ab
  // Reported as a onto b, like the direct verdict.
  return {
    ...ba,
    scale: ba.scale === null ? null : 1 / ba.scale,
    rotationDeg: ba.rotationDeg === null ? null : -ba.rotationDeg,
  }
}

/** Is one of two photos (bytes or paths) an edit of the other? */
export async function verifyPair(
  a: Buffer | string,
  b: Buffer | string,
  opts: VerifyOptions = {},
): Promise<EditVerdict> {
  const [pa, pb] = await Promise.all([prepareImage(a), prepareImage(b)])
  return verifyPrepared(pa, pb, opts)
}

/** What the verifier needs of a photo. */
export interface VerifiablePhoto {
  id: string
  path: string
  /** Content hash: copies with one content share one decoded picture and one verdict. */
  hash?: string | null
}

/** A verifier for one run; `close` ends its workers and keeps its verdicts (when it has a cache). */
export interface PairVerifier {
  (a: VerifiablePhoto, b: VerifiablePhoto): Promise<EditVerdict>
  /** Pairs worth having in flight at once (more with more workers). */
  concurrency: number
  /** Ends the workers and writes the verdicts (of the contents in `liveHashes`, all when omitted). */
  close(liveHashes?: ReadonlySet<string>): Promise<void>
}

export interface PairVerifierOptions extends VerifyOptions {
  /** Reads a photo's bytes. Default fs.readFile of its path. */
  readFile?: (path: string) => Promise<Buffer>
  /**
   * The photo's small picture when there is one (the library's 320 px thumbnail, made at indexing): read and
   * decoded instead of the whole file, which is read only when this gives null or fails.
   */
  readThumbnail?: (photo: VerifiablePhoto) => Promise<Buffer | null>
  /** Decoded photos kept for later pairs, per thread (least recently used dropped). Default 128 (~1 MB each). */
  cacheSize?: number
  /**
   * Worker threads for the decoding and the checks (verify-pool.ts). Default 0: all in this thread. The
   * engine passes one per core (at most 4).
   */
  workers?: number
  /** Verdicts kept between runs (verdict-cache.ts): a pair of contents proven or refused before is not checked again. */
  verdicts?: VerdictCache
}

/**
 * A verifier for one run: decodes each picture once (while it is among the last `cacheSize` used) and judges
 * each pair of contents once, whatever the order of its two photos. A photo that cannot be read or decoded is
 * never near.
 */
export function createPairVerifier(opts: PairVerifierOptions = {}): PairVerifier {
  const readFile = opts.readFile ?? ((p: string) => fs.readFile(p))
  const readThumbnail = opts.readThumbnail
  const cacheSize = Math.max(2, opts.cacheSize ?? 128)
  const mirror = opts.mirror ?? false
  const cache = opts.verdicts
  const images = new Map<string, Promise<PreparedImage>>()
  const verdicts = new Map<string, Promise<EditVerdict>>()
  const keyOf = (p: VerifiablePhoto) => (p.hash ? `#${p.hash}` : p.id)
  const bytesOf = async (p: VerifiablePhoto): Promise<Buffer> => {
    const small = readThumbnail ? await readThumbnail(p).catch(() => null) : null
    return small ?? readFile(p.path)
  }
  const prepared = (p: VerifiablePhoto): Promise<PreparedImage> => {
    const key = keyOf(p)
    let img = images.get(key)
    if (img) images.delete(key)
    else img = bytesOf(p).then((bytes) => prepareImage(bytes))
    images.set(key, img)
    while (images.size > cacheSize) images.delete(images.keys().next().value!)
    return img
  }
  let pool: VerifyPool | null = null
  const workers = Math.max(0, Math.floor(opts.workers ?? 0))
  const check = async (x: VerifiablePhoto, y: VerifiablePhoto): Promise<EditVerdict> => {
    if (workers === 0) {
      const [px, py] = await Promise.all([prepared(x), prepared(y)])
      return verifyPrepared(px, py, opts)
    }
    pool ??= new VerifyPool({ workers, capacity: cacheSize, mirror })
    return pool.verify({ key: keyOf(x), read: () => bytesOf(x) }, { key: keyOf(y), read: () => bytesOf(y) })
  }
  const verifier = (a: VerifiablePhoto, b: VerifiablePhoto): Promise<EditVerdict> => {
    const [x, y] = keyOf(a) <= keyOf(b) ? [a, b] : [b, a]
    const key = `${keyOf(x)}\u0000${keyOf(y)}`
    let verdict = verdicts.get(key)
    if (!verdict) {
      const stored = cache && x.hash && y.hash ? VerdictCache.key(x.hash, y.hash, mirror) : null
      const known = stored ? cache!.get(stored) : undefined
      verdict = known
        ? Promise.resolve(cachedVerdict(known))
        : check(x, y).then(
            (v) => {
              if (stored) cache!.set(stored, v)
              return v
            },
            (err: unknown) =>
              emptyVerdict(
                `Could not read the pictures: ${err instanceof Error ? err.message : String(err)}`,
                0,
                0,
                false,
              ),
          )
      verdicts.set(key, verdict)
    }
    return verdict
  }
  return Object.assign(verifier, {
    concurrency: Math.max(4, 4 * workers),
    close: async (liveHashes?: ReadonlySet<string>) => {
      await pool?.close()
      pool = null
      await cache?.save(liveHashes)
    },
  })
}

/** A verdict given in an earlier run (verdict-cache.ts): the decision and its score, without the figures. */
function cachedVerdict(v: CachedVerdict): EditVerdict {
  const reason = v.near ? 'Same picture (proven in an earlier run).' : 'No edit (checked in an earlier run).'
  return {
    ...emptyVerdict(reason, 0, v.inliers ?? 0, false),
    scale: v.scale ?? null,
    rotationDeg: v.rotationDeg ?? null,
    overlap: v.overlap ?? null,
    near: v.near,
    score: v.score,
  }
}
