import { applyHead, type Head } from '../head/head.js'
import type { MatMul } from '../linalg/ort-matmul.js'
import { meanPrecisionAtK } from '../eval/retrieval-metric.js'
import type { TrainOptions, TrainResult } from '../train/train-head.js'
import { trainHeadInWorker } from '../train/train-worker.js'
import { splitByClass } from './split.js'

/** Labelled photos with their backbone features (decoded). */
export interface LabelledSet {
  ids: string[]
  /** Row-major n × dim. */
  features: Float32Array
  dim: number
  /** Class indices of each photo (several for a photo in several albums). */
  labels: number[][]
  classNames: string[]
}

export interface Comparison {
  /** Held-out mP@5 with the current head and with the new one, on the same photos. */
  before: number
  after: number
  /** The new head (not saved, not active). */
  head: Head
  train: TrainResult
  trainPhotos: number
  heldOutPhotos: number
  seconds: number
}

function subset(set: LabelledSet, keep: (id: string) => boolean): LabelledSet {
  const idx = set.ids.map((id, i) => (keep(id) ? i : -1)).filter((i) => i >= 0)
  const features = new Float32Array(idx.length * set.dim)
  idx.forEach((i, j) => features.set(set.features.subarray(i * set.dim, (i + 1) * set.dim), j * set.dim))
  return {
    ids: idx.map((i) => set.ids[i]!),
    features,
    dim: set.dim,
    labels: idx.map((i) => set.labels[i]!),
    classNames: set.classNames,
  }
}

/** Held-out photos scored among themselves, leave-one-out; a photo's class for scoring is its first label. */
async function heldOutScore(head: Head, set: LabelledSet, mm: MatMul): Promise<number> {
  const vectors = await applyHead(head, set.features, set.ids.length, mm)
  const labelled = { vectors, dim: head.outputDim, labels: set.labels.map((l) => set.classNames[l[0]!]!) }
  return meanPrecisionAtK(labelled, labelled, 5, true).mpAtK
}

/**
 * Splits every class into a train part and a held-out part, trains a new head on the train part
 * (starting from the current head) and scores the held-out photos with the current head and with the
 * new one: the gain is measured on photos the new head never saw.
 */
export async function trainAndCompare(
  set: LabelledSet,
  current: Head,
  mm: MatMul,
  options: TrainOptions & { trainFraction?: number } = {},
): Promise<Comparison> {
  const started = performance.now()
  const { trainFraction = 0.5, ...trainOptions } = options
  const members = new Map<string, string[]>()
  set.ids.forEach((id, i) => {
    for (const c of set.labels[i]!)
      members.set(set.classNames[c]!, [...(members.get(set.classNames[c]!) ?? []), id])
  })
  const { train, heldOut } = splitByClass(members, trainFraction)
  const trainSet = subset(set, (id) => train.has(id))
  const heldSet = subset(set, (id) => heldOut.has(id))
  // In a worker thread: training never blocks indexing, search or the engine's requests.
  const result = await trainHeadInWorker(
    { features: trainSet.features, dim: set.dim, labels: trainSet.labels, classNames: set.classNames },
    {
      ...trainOptions,
      validation: { features: heldSet.features, labels: heldSet.labels },
      init: current.inputDim === set.dim ? { weights: current.weights, bias: current.bias } : undefined,
    },
  )
  const created = new Date()
  const head: Head = {
    version: `arcface-${created.toISOString().replace(/[:.]/g, '-')}`,
    kind: 'arcface',
    model: current.model,
    codec: current.codec,
    inputDim: set.dim,
    outputDim: current.outputDim,
    weights: result.weights,
    bias: result.bias,
    createdAt: created.toISOString(),
    fittedOn: result.photos,
    metrics: {},
  }
  const before = await heldOutScore(current, heldSet, mm)
  const after = await heldOutScore(head, heldSet, mm)
  head.metrics = {
    'mP@5 before': before,
    'mP@5 after': after,
    'held-out photos': heldSet.ids.length,
    albums: set.classNames.length,
  }
  return {
    before,
    after,
    head,
    train: result,
    trainPhotos: trainSet.ids.length,
    heldOutPhotos: heldSet.ids.length,
    seconds: (performance.now() - started) / 1000,
  }
}
