/**
 * The GUIE training model and its loss, forward and hand-derived backward, for one mini-batch:
 *
 *   x̃ = dropout(x)                      B×D, inverted dropout: kept values are scaled by 1/keep, so the
 *                                        head needs no rescaling at inference (where dropout is off)
 *   z = x̃·W + b                          B×K (K = 64: the head, the part that ships)
 *   e = z / ‖z‖                          B×K, unit embeddings (what search uses)
 *   Ŵ_c = V_c / ‖V_c‖                    K×C, one unit column per class (album): the class centres
 *   cos_ic = e_i · Ŵ_c                   B×C
 *   logit_ic = s·cos_ic                  for the other classes
 *   logit_iy = s·φ(cos_iy)               for the target class y = y_i, with ArcFace's additive angular
 *                                        margin m (Deng et al. 2019), in insightface's formulation:
 *       φ(c) = cos(θ + m) = c·cos m − sin θ·sin m     if c > cos(π − m)   (sin θ = √(1 − c²))
 *       φ(c) = c − m·sin(π − m)                       otherwise
 *     Past θ = π − m, cos(θ + m) would turn back up and reward moving away from the class; the fallback
 *     (insightface's `cos − mm` with th = cos(π − m), mm = sin(π − m)·m) is CosFace's additive cosine margin,
 *     of size m·sin m: still decreasing in θ, so φ is monotonic overall. It is not continuous at the
 *     threshold (−1 above, −cos m − m·sin m below), which does not matter: the gradient is taken on
 *     either side, and targets that far are rare after the first steps. (`easyMargin` instead uses
 *     φ(c) = c for c ≤ 0, as insightface's option does.)
 *   ℓ_i = −log softmax(logit_i)_y        cross-entropy; classes in `exclude[i]` (the photo's other albums
 *                                        when it has several) are left out of the softmax, so a photo is
 *                                        never pushed away from an album it belongs to
 *   L = Σ_i w_i·ℓ_i / B                  per-sample weights (class balance, 1/labels for multi-label)
 *
 * Backward, with g_ic = ∂L/∂cos_ic:
 *   ∂L/∂logit_ic = w_i/B·(p_ic − [c = y_i]),  g_ic = s·∂L/∂logit_ic,  g_iy additionally × φ'(cos_iy):
 *       φ'(c) = cos m + sin m·c/sin θ  (first branch),  1 (fallback)
 *   ∂L/∂e = g·Ŵᵀ,  ∂L/∂Ŵ = eᵀ·g
 *   ∂L/∂V_c = (∂L/∂Ŵ_c − Ŵ_c·(Ŵ_c · ∂L/∂Ŵ_c)) / ‖V_c‖       (derivative of a normalisation)
 *   ∂L/∂z_i = (∂L/∂e_i − e_i·(e_i · ∂L/∂e_i)) / ‖z_i‖
 *   ∂L/∂b = Σ_i ∂L/∂z_i,  ∂L/∂W = x̃ᵀ·∂L/∂z  (computed as (∂L/∂zᵀ·x̃)ᵀ so both operands stay row-major)
 *
 * sin θ is taken as √max(1 − c², 1e-12): at c → ±1 the true derivative is unbounded.
 *
 * The same code runs on float32 (training, with MLAS for the big products) and float64 (the finite-difference
 * reference of the tests): one implementation of the math.
 */
import { transpose, type Floats, type Multiply } from './products.js'

export interface ArcFaceModel {
  inputDim: number
  /** K, the embedding width (64 for the GUIE head). */
  outputDim: number
  classes: number
  /** Row-major inputDim × outputDim, as a `Head` stores it. */
  weights: Floats
  bias: Floats
  /** Row-major outputDim × classes: column c is class c's centre (normalised inside the loss). */
  classWeights: Floats
}

export interface ArcFaceBatch {
  /** Row-major rows × inputDim backbone features. */
  x: Floats
  rows: number
  /** The target class of each row. */
  targets: Int32Array
  /** Each row's weight in the loss (class balance × 1/labels). */
  sampleWeights: ArrayLike<number>
  /** Per row, other classes of the same photo: left out of that row's softmax. */
  exclude?: ReadonlyArray<readonly number[] | undefined>
}

export interface ArcFaceSettings {
  /** s, the logit scale. */
  scale: number
  /** m, the additive angular margin in radians. */
  margin: number
  /** insightface's "easy margin": no margin for targets more than 90° away. */
  easyMargin?: boolean
  /** Dropout on the backbone features, with its own seed (training only; rate 0 or absent at eval). */
  dropout?: { rate: number; seed: number }
}

export interface ArcFaceGradients {
  weights: Floats
  bias: Floats
  classWeights: Floats
}

export interface ArcFaceResult {
  loss: number
  /** Rows whose closest class (plain cosine, no margin) is their target. */
  correct: number
  gradients?: ArcFaceGradients
}

const SIN_FLOOR = 1e-12

function like(a: Floats, n: number): Floats {
  return a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)
}

/**
 * Inverted dropout with a seeded mask: each value is dropped with probability `rate` (quantised to
 * 1/65536: two decisions per 32-bit random number) and the kept ones are scaled by 1/(1 − rate).
 */
export function dropout(x: Floats, rate: number, seed: number): Floats {
  const threshold = Math.round(rate * 65536)
  if (threshold <= 0) return x
  if (threshold >= 65536) return like(x, x.length)
  const scale = 65536 / (65536 - threshold)
  const out = like(x, x.length)
  let s = seed >>> 0
  const n = x.length
  for (let i = 0; i < n; i += 2) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    t = (t ^ (t >>> 14)) >>> 0
    if ((t & 0xffff) >= threshold) out[i] = x[i]! * scale
    if (i + 1 < n && t >>> 16 >= threshold) out[i + 1] = x[i + 1]! * scale
  }
  return out
}

/** φ and φ' of the target logit (see the file comment). */
export function marginCosine(c: number, margin: number, easyMargin = false): { phi: number; slope: number } {
  if (margin === 0) return { phi: c, slope: 1 }
  const cosM = Math.cos(margin)
  const sinM = Math.sin(margin)
  const sin = Math.sqrt(Math.max(1 - c * c, SIN_FLOOR))
  const withMargin = { phi: c * cosM - sin * sinM, slope: cosM + (sinM * c) / sin }
  if (easyMargin) return c > 0 ? withMargin : { phi: c, slope: 1 }
  if (c > Math.cos(Math.PI - margin)) return withMargin
  return { phi: c - Math.sin(Math.PI - margin) * margin, slope: 1 }
}

/** The column norms of a rows×cols matrix, floored so that a zero column stays finite. */
function columnNorms(m: Floats, rows: number, cols: number): Float64Array {
  const norms = new Float64Array(cols)
  for (let r = 0; r < rows; r++) {
    const o = r * cols
    for (let c = 0; c < cols; c++) norms[c]! += m[o + c]! ** 2
  }
  for (let c = 0; c < cols; c++) norms[c] = Math.max(Math.sqrt(norms[c]!), 1e-12)
  return norms
}

/** The forward pass up to the unit embeddings: e = normalise(x·W + b), and the norms of z. */
export async function embedBatch(
  model: Pick<ArcFaceModel, 'inputDim' | 'outputDim' | 'weights' | 'bias'>,
  x: Floats,
  rows: number,
  multiply: Multiply,
): Promise<{ e: Floats; norms: Float64Array }> {
  const k = model.outputDim
  const z = await multiply(x, rows, model.inputDim, model.weights, k)
  const norms = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    const o = i * k
    let s = 0
    for (let j = 0; j < k; j++) {
      const v = z[o + j]! + model.bias[j]!
      z[o + j] = v
      s += v * v
    }
    const n = Math.max(Math.sqrt(s), 1e-12)
    norms[i] = n
    for (let j = 0; j < k; j++) z[o + j] = z[o + j]! / n
  }
  return { e: z, norms }
}

/** The normalised class centres Ŵ (K×C) and the norms of V's columns. */
export function normaliseClassWeights(model: ArcFaceModel): { unit: Floats; norms: Float64Array } {
  const { outputDim: k, classes: c, classWeights: v } = model
  const norms = columnNorms(v, k, c)
  const unit = like(v, v.length)
  for (let r = 0; r < k; r++) for (let j = 0; j < c; j++) unit[r * c + j] = v[r * c + j]! / norms[j]!
  return { unit, norms }
}

/** The loss of one mini-batch and, unless `withGradients` is false, its gradients. */
export async function arcfaceLoss(
  model: ArcFaceModel,
  batch: ArcFaceBatch,
  settings: ArcFaceSettings,
  multiply: Multiply,
  withGradients = true,
): Promise<ArcFaceResult> {
  const { inputDim: d, outputDim: k, classes: nc } = model
  const b = batch.rows
  if (batch.x.length !== b * d) throw new Error(`arcface: expected ${b}×${d} features.`)
  if (model.weights.length !== d * k || model.bias.length !== k || model.classWeights.length !== k * nc)
    throw new Error('arcface: the model arrays do not match its dimensions.')
  const { scale: s, margin, easyMargin = false } = settings
  const rate = settings.dropout?.rate ?? 0
  const x = rate > 0 ? dropout(batch.x, rate, settings.dropout!.seed) : batch.x

  const { e, norms: zNorms } = await embedBatch(model, x, b, multiply)
  const { unit, norms: vNorms } = normaliseClassWeights(model)
  const cos = await multiply(e, b, k, unit, nc) // B×C; becomes g = ∂L/∂cos in place below

  let loss = 0
  let correct = 0
  const excluded = new Uint8Array(nc)
  const exps = new Float64Array(nc)
  for (let i = 0; i < b; i++) {
    const o = i * nc
    const y = batch.targets[i]!
    const w = batch.sampleWeights[i]! / b
    const others = batch.exclude?.[i]
    if (others) for (const c of others) if (c !== y) excluded[c] = 1
    const { phi, slope } = marginCosine(cos[o + y]!, margin, easyMargin)
    // One pass: accuracy on the plain cosine (is the target the closest allowed class?) and the largest
    // logit (s·φ for the target), subtracted before exponentiating.
    let best = -1
    let bestCos = -Infinity
    let max = s * phi
    for (let c = 0; c < nc; c++) {
      if (excluded[c] === 1) continue
      const v = cos[o + c]!
      if (v > bestCos) {
        bestCos = v
        best = c
      }
      if (c !== y && s * v > max) max = s * v
    }
    if (best === y) correct++
    let sum = 0
    for (let c = 0; c < nc; c++) {
      const e = excluded[c] === 1 ? 0 : Math.exp((c === y ? s * phi : s * cos[o + c]!) - max)
      exps[c] = e
      sum += e
    }
    loss += w * (Math.log(sum) + max - s * phi)
    if (withGradients) {
      // g = ∂L/∂cos, in place of cos: w·s·(p − [c = y]), times φ' for the target.
      const ws = (w * s) / sum
      for (let c = 0; c < nc; c++) cos[o + c] = ws * exps[c]!
      cos[o + y] = w * s * (exps[y]! / sum - 1) * slope
    }
    if (others) for (const c of others) excluded[c] = 0
  }
  if (!withGradients) return { loss, correct }
  const g = cos

  // ∂L/∂e = g·Ŵᵀ and ∂L/∂Ŵ = eᵀ·g.
  const dE = await multiply(g, b, nc, transpose(unit, k, nc), k)
  const dUnit = await multiply(transpose(e, b, k), k, b, g, nc)
  // Through the class-centre normalisation.
  const dV = like(model.classWeights, k * nc)
  const dots = new Float64Array(nc)
  for (let r = 0; r < k; r++) for (let c = 0; c < nc; c++) dots[c]! += unit[r * nc + c]! * dUnit[r * nc + c]!
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < nc; c++) {
      const at = r * nc + c
      dV[at] = (dUnit[at]! - unit[at]! * dots[c]!) / vNorms[c]!
    }
  }
  // Through the embedding normalisation, into z.
  const dZ = dE
  const bias = like(model.bias, k)
  for (let i = 0; i < b; i++) {
    const o = i * k
    let dot = 0
    for (let j = 0; j < k; j++) dot += e[o + j]! * dE[o + j]!
    for (let j = 0; j < k; j++) {
      const v = (dE[o + j]! - e[o + j]! * dot) / zNorms[i]!
      dZ[o + j] = v
      bias[j]! += v
    }
  }
  // ∂L/∂W = x̃ᵀ·∂L/∂z, as (∂L/∂zᵀ·x̃)ᵀ.
  const dWt = await multiply(transpose(dZ, b, k), k, b, x, d)
  const weights = transpose(dWt, k, d)
  return { loss, correct, gradients: { weights, bias, classWeights: dV } }
}
