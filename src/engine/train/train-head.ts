/**
 * Trains the GUIE head (Dropout + Dense(backbone→64) + L2 norm) with an ArcFace loss over the user's albums,
 * on the backbone features already stored in the library (nothing is decoded). See arcface.ts for the math.
 *
 * - Deterministic: the same data, options and seed give the same weights bit for bit on the same machine
 *   (shuffles, dropout masks and initialisation come from seeded generators; MLAS products do not depend
 *   on thread timing).
 * - Balanced: every album weighs (mean album size / its size)^balance in the loss, so a 500-photo album does
 *   not drown a 5-photo one; a photo in k albums contributes k samples of weight 1/k (multi-label), and
 *   each of them leaves the photo's other albums out of its softmax.
 * - Scales: memory is the features plus O(batch × albums) per step; C×64 class centres are the only per-album
 *   state.
 */
import { MatMul } from '../linalg/ort-matmul.js'
import { fitPca } from '../head/pca.js'
import { seededRandom } from '../linalg/symmetric-eigen.js'
import { meanPrecisionAtK } from '../eval/retrieval-metric.js'
import { arcfaceLoss, embedBatch, normaliseClassWeights, type ArcFaceModel } from './arcface.js'
import { Adam } from './adam.js'
import { matrixProducts, type Multiply } from './products.js'
import { warmupLinearDecay } from './schedule.js'
import { failpoint } from '../library/failpoint.js'

/** Training data that cannot be trained on, with a message meant for the user. */
export class TrainingDataError extends Error {
  override readonly name = 'TrainingDataError'
}

export interface TrainingData {
  /** Row-major n × dim backbone features (decoded, as `applyHead` takes them). */
  features: Float32Array
  dim: number
  /**
   * The class (album) indices of each photo; several for a photo in several albums, none to skip it.
   * Albums without photos are allowed (they only act as negatives).
   */
  labels: number[][]
  classNames: string[]
}

export interface TrainProgress {
  epoch: number
  epochs: number
  /** Mean weighted training loss over the epoch (with dropout and margin). */
  loss: number
  /** Fraction of training samples whose nearest class centre is their album (measured with dropout on). */
  accuracy: number
  /** Leave-one-out mP@5 of the validation photos among themselves, when validation data is given. */
  validationMpAt5?: number
  learningRate: number
  seconds: number
}

/** Every option has a default (TRAIN_DEFAULTS, and how they were chosen). */
export interface TrainOptions {
  /** Passes over the data; default: enough for about 1,000 steps, between 10 and 200 epochs. */
  epochs?: number
  /** ArcFace additive angular margin m, radians (default 0.5). */
  margin?: number
  /** ArcFace logit scale s (default 16). */
  scale?: number
  /** Peak learning rate of Adam, reached after the warm-up (default 0.01). */
  lr?: number
  /** Fraction of the steps spent warming up linearly; the rest decays linearly to 0 (default 0.1). */
  warmup?: number
  /** Samples per step (default 64, up to 256 for big libraries: `defaultBatchSize`). */
  batchSize?: number
  /** Dropout rate on the backbone features (default 0.2). */
  dropout?: number
  /** Decoupled weight decay on the dense weights, AdamW (default 1e-4). */
  weightDecay?: number
  /** Class balancing exponent: 0 = every sample equal, 1 = every album equal (default 0.5). */
  balance?: number
  seed?: number
  /** Held-out photos scored with mP@5 after each epoch (their first label is their class). */
  validation?: { features: Float32Array; labels: number[][] }
  signal?: AbortSignal
  onProgress?: (event: TrainProgress) => void
  /** Starting head (e.g. the library's PCA head); default: a PCA of the training features. */
  init?: { weights: Float32Array; bias: Float32Array }
  /** Embedding width (default: the starting head's, or 64). */
  outputDim?: number
  /** MLAS threads for the matrix products (default 1: training should leave a core to indexing and search). */
  threads?: number
  /** A MatMul to use instead of creating one (it is not closed). */
  matmul?: MatMul
}

export interface TrainResult {
  /** Row-major dim × outputDim, the `Head.weights` layout. */
  weights: Float32Array
  bias: Float32Array
  /** Row-major outputDim × classes, unit columns: each album's centre in the embedding space. */
  classWeights: Float32Array
  history: TrainProgress[]
  /** Validation mP@5 of the starting head, when validation data is given. */
  initialValidationMpAt5?: number
  /** Photos and (photo, album) samples trained on. */
  photos: number
  samples: number
  /** The options actually used, defaults filled in. */
  settings: Required<
    Pick<
      TrainOptions,
      | 'epochs'
      | 'margin'
      | 'scale'
      | 'lr'
      | 'warmup'
      | 'batchSize'
      | 'dropout'
      | 'weightDecay'
      | 'balance'
      | 'seed'
      | 'outputDim'
    >
  >
}

/**
 * Defaults, chosen on held-out mP@5 over four tasks rather than one: flowers17-40 and seed-5class, each split
 * by alternating files both ways round (train on the even positions and score the odd ones, and the
 * reverse), checked against synthetic problems (the unit tests' toy, 10,000 photos in 100 albums of 1280-d
 * features). Differences below 0.005 are noise here; on the 52-photo seed halves one photo is worth 0.02.
 * - lr 0.01: 1e-3 scored 0.01–0.08 lower on all four, and barely moved the 100-album synthetic set.
 * - s 16: s 24, 30 and 45 scored 0.002–0.016 lower on every task, 8–10 about the same on these small
 *   sets; 16 leaves room for libraries with thousands of albums, where the softmax needs a larger scale.
 * - m 0.5 (ArcFace's own): 0.3 scored lower on all four, 0.1 far lower on flowers; 0.7 was 0.002–0.004
 *   higher, within noise, and large margins are known to converge badly with many classes.
 * - dropout 0.2: 0 was within ±0.004, 0.5 up to 0.016 lower. Batch 64: 128 within 0.004. Warm-up 10%:
 *   0 and 30% within 0.006 on flowers. Weight decay 1e-4: 0.05 up to 0.008 lower.
 * - balance 0.5 is a design choice (a 500-photo album weighs 10× a 5-photo one, not 100×, nor 1×): these
 *   sets are balanced, so it does not change their scores.
 * - About 1,000 steps: 120 scored up to 0.016 lower, 240–900 within 0.005; the toy problem needs several
 *   hundred steps to turn a PCA of the noise into the informative directions.
 * Measured gains over the library's PCA head with these defaults (seeds 1–5): flowers +0.122…+0.132,
 * seed-5class +0.12…+0.15.
 */
export const TRAIN_DEFAULTS = {
  margin: 0.5,
  scale: 16,
  lr: 1e-2,
  warmup: 0.1,
  /** Mini-batch size: 64, doubled up to 256 while an epoch keeps at least 128 steps (big libraries). */
  batchSize: 64,
  maxBatchSize: 256,
  dropout: 0.2,
  weightDecay: 1e-4,
  balance: 0.5,
  seed: 1,
  outputDim: 64,
  /** Default epochs aim at this many optimiser steps, within [minEpochs, maxEpochs]. */
  targetSteps: 1000,
  minEpochs: 10,
  maxEpochs: 200,
} as const

/** The PCA initialisation and the validation score use at most this many photos. */
const PCA_SAMPLE = 20_000
const VALIDATION_LIMIT = 2_000
/** Rows per product when embedding many photos at once. */
const EMBED_CHUNK = 4096

interface Sample {
  photo: number
  target: number
  weight: number
  exclude: number[] | undefined
}

const photoCount = (n: number) => `${n} photo${n === 1 ? '' : 's'}`

function describeClass(names: readonly string[], c: number): string {
  return names[c] !== undefined ? `"${names[c]}"` : `#${c}`
}

/** Checks the data and turns it into weighted (photo, class) samples. */
export function prepareSamples(
  data: TrainingData,
  balance: number = TRAIN_DEFAULTS.balance,
): { samples: Sample[]; photos: number; classCounts: number[] } {
  const { features, dim, labels, classNames } = data
  if (!Number.isInteger(dim) || dim < 1)
    throw new TrainingDataError(`The feature size must be positive, got ${dim}.`)
  if (labels.length === 0 || features.length === 0)
    throw new TrainingDataError('There are no labelled photos to train on.')
  if (features.length !== labels.length * dim)
    throw new TrainingDataError(
      `The features hold ${features.length} numbers, not ${photoCount(labels.length)} × ${dim} as the labels say.`,
    )
  const nc = classNames.length
  const counts = new Array<number>(nc).fill(0)
  const unique: number[][] = labels.map((ls, i) => {
    const set = [...new Set(ls)]
    for (const c of set) {
      if (!Number.isInteger(c) || c < 0 || c >= nc)
        throw new TrainingDataError(`Photo ${i} has label ${c}, but there are only ${nc} albums.`)
      counts[c]!++
    }
    return set
  })
  let photos = 0
  for (let i = 0; i < unique.length; i++) {
    if (unique[i]!.length === 0) continue
    photos++
    for (let j = i * dim; j < (i + 1) * dim; j++)
      if (!Number.isFinite(features[j]!))
        throw new TrainingDataError(`Photo ${i} has a feature that is not a number.`)
  }
  if (photos === 0)
    throw new TrainingDataError('There are no labelled photos to train on: no photo is in an album.')
  const used = counts.filter((n) => n > 0).length
  if (used < 2)
    throw new TrainingDataError(
      `Training needs at least 2 albums with photos, to learn what tells them apart; there ${used === 1 ? 'is 1' : `are ${used}`}.`,
    )
  const singles = counts.flatMap((n, c) => (n === 1 ? [c] : []))
  if (singles.length > 0) {
    const named = singles.slice(0, 5).map((c) => describeClass(classNames, c))
    const more = singles.length > 5 ? ` and ${singles.length - 5} more` : ''
    throw new TrainingDataError(
      `${singles.length === 1 ? 'Album' : 'Albums'} ${named.join(', ')}${more} ${singles.length === 1 ? 'has' : 'have'} only one photo: ` +
        'an album needs at least 2 photos to learn what they share. Add photos or leave it out of training.',
    )
  }
  // Class weights (mean size / size)^balance; sample weights normalised to mean 1.
  const sizes = counts.filter((n) => n > 0)
  const meanSize = sizes.reduce((a, b) => a + b, 0) / sizes.length
  const classWeight = counts.map((n) => (n > 0 ? (meanSize / n) ** balance : 0))
  const samples: Sample[] = []
  unique.forEach((ls, photo) => {
    for (const target of ls) {
      samples.push({
        photo,
        target,
        weight: classWeight[target]! / ls.length,
        exclude: ls.length > 1 ? ls.filter((c) => c !== target) : undefined,
      })
    }
  })
  const total = samples.reduce((a, s) => a + s.weight, 0)
  for (const s of samples) s.weight *= samples.length / total
  return { samples, photos, classCounts: counts }
}

/** Seed for step t's dropout mask: a different, reproducible stream for every step. */
function stepSeed(seed: number, step: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/** Unit embeddings of n photos with head (weights, bias), in chunks. */
export async function embedAll(
  head: { weights: Float32Array; bias: Float32Array },
  features: Float32Array,
  dim: number,
  rows: ArrayLike<number> | null,
  multiply: Multiply,
): Promise<Float32Array> {
  const k = head.bias.length
  const n = rows ? rows.length : features.length / dim
  const out = new Float32Array(n * k)
  const model = { inputDim: dim, outputDim: k, weights: head.weights, bias: head.bias }
  for (let start = 0; start < n; start += EMBED_CHUNK) {
    const m = Math.min(EMBED_CHUNK, n - start)
    let x: Float32Array
    if (rows) {
      x = new Float32Array(m * dim)
      for (let i = 0; i < m; i++)
        x.set(features.subarray(rows[start + i]! * dim, (rows[start + i]! + 1) * dim), i * dim)
    } else {
      x = features.slice(start * dim, (start + m) * dim)
    }
    const { e } = await embedBatch(model, x, m, multiply)
    out.set(e, start * k)
  }
  return out
}

/** PCA of (a sample of) the training photos: the same starting head the library fits. */
async function pcaInit(
  features: Float32Array,
  dim: number,
  photos: number[],
  k: number,
  mm: MatMul,
  seed: number,
): Promise<{ weights: Float32Array; bias: Float32Array }> {
  const step = Math.max(1, Math.ceil(photos.length / PCA_SAMPLE))
  const picked = photos.filter((_, i) => i % step === 0)
  const matrix = new Float32Array(picked.length * dim)
  picked.forEach((p, i) => matrix.set(features.subarray(p * dim, (p + 1) * dim), i * dim))
  const pca = await fitPca(matrix, picked.length, dim, Math.min(k, dim), mm, seed)
  const weights = new Float32Array(dim * k)
  const kk = Math.min(k, dim)
  for (let r = 0; r < dim; r++) for (let c = 0; c < kk; c++) weights[r * k + c] = pca.components[r * kk + c]!
  const bias = new Float32Array(k)
  for (let c = 0; c < k; c++) {
    let s = 0
    for (let r = 0; r < dim; r++) s += pca.mean[r]! * weights[r * k + c]!
    bias[c] = -s
  }
  return { weights, bias }
}

/** Leave-one-out mP@5 of (up to VALIDATION_LIMIT, evenly spread) validation photos under a head. */
async function validationScore(
  head: { weights: Float32Array; bias: Float32Array },
  validation: { features: Float32Array; labels: number[][] },
  dim: number,
  multiply: Multiply,
): Promise<number | undefined> {
  const labelled = validation.labels.flatMap((ls, i) => (ls.length > 0 ? [i] : []))
  const step = Math.max(1, Math.ceil(labelled.length / VALIDATION_LIMIT))
  const rows = labelled.filter((_, i) => i % step === 0)
  if (rows.length < 2) return undefined
  const vectors = await embedAll(head, validation.features, dim, rows, multiply)
  const set = { vectors, dim: head.bias.length, labels: rows.map((r) => String(validation.labels[r]![0])) }
  const score = meanPrecisionAtK(set, set, 5, true)
  return score.queries > 0 ? score.mpAtK : undefined
}

/**
 * 64 samples per step, doubled (up to 256) while an epoch keeps at least 128 steps: each step has a fixed
 * cost (Adam over the ~90,000 parameters, the ONNX calls), so big libraries train faster per epoch with
 * bigger batches, and still take thousands of steps.
 */
export function defaultBatchSize(samples: number): number {
  let size = TRAIN_DEFAULTS.batchSize
  while (size * 2 <= TRAIN_DEFAULTS.maxBatchSize && samples / (size * 2) >= 128) size *= 2
  return size
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Trains the head. Rejects with a `TrainingDataError` for data it cannot train on, and with the signal's
 * reason when `signal` aborts (checked between mini-batches).
 */
export async function trainHead(data: TrainingData, options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now()
  const d = TRAIN_DEFAULTS
  const margin = options.margin ?? d.margin
  const scale = options.scale ?? d.scale
  const lr = options.lr ?? d.lr
  const warmup = options.warmup ?? d.warmup
  const rate = options.dropout ?? d.dropout
  const weightDecay = options.weightDecay ?? d.weightDecay
  const balance = options.balance ?? d.balance
  const seed = options.seed ?? d.seed
  const k = options.outputDim ?? options.init?.bias.length ?? d.outputDim
  if (!(margin >= 0 && margin < Math.PI / 2))
    throw new RangeError(`The margin must be in [0, π/2), got ${margin}.`)
  if (!(scale > 0)) throw new RangeError(`The scale must be positive, got ${scale}.`)
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`The dropout rate must be in [0, 1), got ${rate}.`)
  if (!(warmup >= 0 && warmup <= 1))
    throw new RangeError(`The warm-up fraction must be in [0, 1], got ${warmup}.`)
  if (!(balance >= 0)) throw new RangeError(`The balance exponent must be ≥ 0, got ${balance}.`)
  options.signal?.throwIfAborted()

  const { features, dim, classNames } = data
  const { samples, photos } = prepareSamples(data, balance)
  const v = options.validation
  if (v && v.features.length !== v.labels.length * dim)
    throw new TrainingDataError(
      `The validation features hold ${v.features.length} numbers, not ${photoCount(v.labels.length)} × ${dim}.`,
    )
  const nc = classNames.length
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultBatchSize(samples.length)))
  const stepsPerEpoch = Math.ceil(samples.length / batchSize)
  const epochs =
    options.epochs ?? Math.min(d.maxEpochs, Math.max(d.minEpochs, Math.ceil(d.targetSteps / stepsPerEpoch)))
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new RangeError(`Epochs must be a whole number ≥ 1, got ${epochs}.`)
  if (options.init) {
    if (options.init.weights.length !== dim * k || options.init.bias.length !== k)
      throw new RangeError(`The starting head must be ${dim}×${k} with ${k} biases.`)
  }

  const mm = options.matmul ?? (await MatMul.create(options.threads ?? 1))
  try {
    const multiply = matrixProducts(mm)
    const random = seededRandom(seed)
    const trainPhotos = [...new Set(samples.map((s) => s.photo))]
    const init = options.init ?? (await pcaInit(features, dim, trainPhotos, k, mm, seed))
    const weights = Float32Array.from(init.weights)
    const bias = Float32Array.from(init.bias)

    // Class centres start at each album's mean starting embedding: the margin then works from step one.
    const start = await embedAll({ weights, bias }, features, dim, trainPhotos, multiply)
    const row = new Map(trainPhotos.map((p, i) => [p, i]))
    const centres = new Float64Array(k * nc)
    for (const s of samples) {
      const o = row.get(s.photo)! * k
      for (let j = 0; j < k; j++) centres[j * nc + s.target]! += start[o + j]!
    }
    const classWeights = new Float32Array(k * nc)
    for (let c = 0; c < nc; c++) {
      let norm = 0
      for (let j = 0; j < k; j++) norm += centres[j * nc + c]! ** 2
      norm = Math.sqrt(norm)
      for (let j = 0; j < k; j++)
        classWeights[j * nc + c] = norm > 1e-6 ? centres[j * nc + c]! / norm : gaussian(random) / Math.sqrt(k)
    }

    const model: ArcFaceModel = { inputDim: dim, outputDim: k, classes: nc, weights, bias, classWeights }
    const totalSteps = epochs * stepsPerEpoch
    const schedule = warmupLinearDecay({ peak: lr, warmupSteps: Math.round(warmup * totalSteps), totalSteps })
    // Weight decay on the dense weights only: biases are not decayed, class centres are normalised anyway.
    const adam = new Adam([weights.length, bias.length, classWeights.length], { weightDecay }, [
      true,
      false,
      false,
    ])

    const history: TrainProgress[] = []
    const initialValidationMpAt5 = options.validation
      ? await validationScore({ weights, bias }, options.validation, dim, multiply)
      : undefined
    const order = samples.map((_, i) => i)
    let step = 0
    for (let epoch = 1; epoch <= epochs; epoch++) {
      // Fisher-Yates with the seeded generator.
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
      let lossSum = 0
      let correct = 0
      let learningRate = 0
      for (let first = 0; first < order.length; first += batchSize) {
        options.signal?.throwIfAborted()
        const rows = Math.min(batchSize, order.length - first)
        const x = new Float32Array(rows * dim)
        const targets = new Int32Array(rows)
        const sampleWeights = new Float64Array(rows)
        const exclude: Array<number[] | undefined> = new Array(rows)
        for (let i = 0; i < rows; i++) {
          const s = samples[order[first + i]!]!
          x.set(features.subarray(s.photo * dim, (s.photo + 1) * dim), i * dim)
          targets[i] = s.target
          sampleWeights[i] = s.weight
          exclude[i] = s.exclude
        }
        const result = await arcfaceLoss(
          model,
          { x, rows, targets, sampleWeights, exclude },
          { scale, margin, dropout: { rate, seed: stepSeed(seed, step) } },
          multiply,
        )
        const g = result.gradients!
        learningRate = schedule(step)
        adam.step([weights, bias, classWeights], [g.weights, g.bias, g.classWeights], learningRate)
        lossSum += result.loss * rows
        correct += result.correct
        step++
        await nextTurn() // lets an abort (and anything else queued) through between mini-batches
      }
      const event: TrainProgress = {
        epoch,
        epochs,
        loss: lossSum / order.length,
        accuracy: correct / order.length,
        learningRate,
        seconds: (performance.now() - started) / 1000,
      }
      if (options.validation) {
        const v = await validationScore({ weights, bias }, options.validation, dim, multiply)
        if (v !== undefined) event.validationMpAt5 = v
      }
      history.push(event)
      options.onProgress?.(event)
      failpoint('train:after-epoch')
    }
    // Unit class columns, so callers can use them as album centres directly.
    const { unit } = normaliseClassWeights(model)
    return {
      weights,
      bias,
      classWeights: Float32Array.from(unit),
      history,
      ...(initialValidationMpAt5 !== undefined ? { initialValidationMpAt5 } : {}),
      photos,
      samples: samples.length,
      settings: {
        epochs,
        margin,
        scale,
        lr,
        warmup,
        batchSize,
        dropout: rate,
        weightDecay,
        balance,
        seed,
        outputDim: k,
      },
    }
  } finally {
    if (!options.matmul) await mm.close()
  }
}
