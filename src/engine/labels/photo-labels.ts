/**
 * A photo's labels: the classifier's top ImageNet classes with their probabilities (plain softmax, no
 * temperature: nothing is fitted on any evaluation set), stored as JSON in the photo's `labels` column,
 * e.g. `[["n02099601",0.823],["n02099712",0.091]]` (WordNet 3.0 ids, as ImageNet names its classes).
 *
 * The evidence a photo gives a word is the probability mass of the classes that word stands for (every
 * breed for "dog"): a fixed rule, the same for every word and library.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ModelManifest } from '../types.js'
import {
  CLASS_COUNT,
  logits,
  logitsBatch,
  NoClassifierError,
  readClassifier,
  softmax,
  topClasses,
  type ImageNetClassifier,
  type MatMulRun,
} from './classifier.js'
import { CLASSES, classByWnid } from './imagenet.js'

export interface PhotoLabel {
  /** ImageNet class index (0..999). */
  cls: number
  /** Softmax probability. */
  p: number
}

/** How many classes are kept per photo, and the smallest probability kept. */
export const LABELS_KEPT = 5
export const LABEL_MIN_P = 0.01
/**
 * Evidence a tag needs to be shown on a photo, or to let it through a tag filter: 0.1 of the probability
 * mass. Plain softmax over 1000 classes spreads mass over look-alike classes, so a photo of a dog often has
 * 0.4 on one breed and the rest on others: the mass of "dog" (all breeds) is what counts.
 */
export const TAG_MIN_EVIDENCE = 0.1

export function encodeLabels(labels: readonly PhotoLabel[]): string {
  return JSON.stringify(labels.map((l) => [CLASSES[l.cls]!.wnid, Number(l.p.toFixed(4))]))
}

/** The labels of a stored JSON value; entries of unknown classes are skipped, bad JSON gives none. */
export function decodeLabels(json: string | null): PhotoLabel[] {
  if (!json) return []
  try {
    const parsed = JSON.parse(json) as unknown
    if (!Array.isArray(parsed)) return []
    const out: PhotoLabel[] = []
    for (const entry of parsed) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') continue
      const c = classByWnid(entry[0])
      if (c) out.push({ cls: c.index, p: entry[1] })
    }
    return out
  } catch {
    return []
  }
}

/** The probability mass a photo's labels put on a set of classes. */
export function evidence(labels: readonly PhotoLabel[], classes: ReadonlySet<number>): number {
  let sum = 0
  for (const l of labels) if (classes.has(l.cls)) sum += l.p
  return sum
}

function keep(classLogits: Float32Array): PhotoLabel[] {
  return topClasses(softmax(classLogits), LABELS_KEPT, LABEL_MIN_P).map(([cls, p]) => ({ cls, p }))
}

/** Labels photos from their stored uint8 features with a pack's classifier. */
export class Labeller {
  constructor(
    private readonly classifier: ImageNetClassifier,
    /** The `packId@version` whose features it reads. */
    readonly model: string,
  ) {}

  label(code: Uint8Array): PhotoLabel[] {
    return keep(logits(this.classifier, code))
  }

  /** Many photos at once, through a matrix product (the engine's MatMul session). */
  async labelBatch(codes: readonly Uint8Array[], run: MatMulRun): Promise<PhotoLabel[][]> {
    return (await logitsBatch(this.classifier, codes, run)).map(keep)
  }
}

/**
 * The labeller of an installed pack, or null when it has none: a pack without the ImageNet classifier
 * (CLIP, a custom pack) or a default pack built before labels existed (its visual.onnx lacks the classifier;
 * `tessera models download mobilenetv2-12-int8` rebuilds it, with the same features).
 */
export async function openLabeller(dir: string, manifest: ModelManifest): Promise<Labeller | null> {
  if (manifest.visual.codec.kind !== 'uint8-affine') return null
  try {
    const classifier = await readClassifier(await readFile(path.join(dir, manifest.visual.file)))
    if (classifier.classes !== CLASS_COUNT || classifier.inputDim !== manifest.visual.dim) return null
    return new Labeller(classifier, `${manifest.id}@${manifest.version}`)
  } catch (error) {
    if (error instanceof NoClassifierError) return null
    throw error
  }
}
