import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'
import {
  defaultBatchSize,
  prepareSamples,
  trainHead,
  TrainingDataError,
  type TrainingData,
  type TrainProgress,
} from '../../../src/engine/train/train-head.js'
import { splitByClass } from '../../../src/engine/personalize/split.js'

const D = 8
const MEANS = [
  [2, 2],
  [2, -2],
  [-2, 2],
  [-2, -2],
]

/**
 * Four classes told apart by dimensions 0 and 1 only (means ±2, spread 0.5); dimensions 2–7 are noise of
 * spread 4, so they dominate both the raw cosine and a PCA, and a good head must learn to ignore them.
 */
function toy(perClass: number, seed: number) {
  const random = seededRandom(seed)
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  const n = perClass * MEANS.length
  const features = new Float32Array(n * D)
  const labels: number[][] = []
  for (let i = 0; i < n; i++) {
    const c = i % MEANS.length
    labels.push([c])
    features[i * D] = MEANS[c]![0]! + 0.5 * gaussian()
    features[i * D + 1] = MEANS[c]![1]! + 0.5 * gaussian()
    for (let j = 2; j < D; j++) features[i * D + j] = 4 * gaussian()
  }
  return { features, labels }
}

const classNames = ['north-east', 'south-east', 'north-west', 'south-west']
const train: TrainingData = { ...toy(40, 1), dim: D, classNames }
const validation = toy(25, 2)

/** Share of the head's weight (squared) on the informative input dimensions 0 and 1. */
function informativeShare(weights: Float32Array, k: number): number {
  let informative = 0
  let all = 0
  for (let r = 0; r < D; r++) {
    for (let c = 0; c < k; c++) {
      const v = weights[r * k + c]! ** 2
      all += v
      if (r < 2) informative += v
    }
  }
  return informative / all
}

describe('trainHead on a problem with a known answer', () => {
  it('learns to retrieve by the informative directions and to ignore the noise', async () => {
    const events: TrainProgress[] = []
    const result = await trainHead(train, { validation, outputDim: 4, onProgress: (e) => events.push(e) })
    // Before: a PCA of the noise. After: near-perfect held-out retrieval.
    expect(result.initialValidationMpAt5).toBeLessThan(0.5)
    expect(result.history.at(-1)!.validationMpAt5).toBeGreaterThan(0.97)
    expect(informativeShare(result.weights, 4)).toBeGreaterThan(0.9)
    // Progress: one event per epoch, loss falling, accuracy rising.
    expect(events).toHaveLength(result.settings.epochs)
    expect(events.map((e) => e.epoch)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1))
    expect(events.at(-1)!.loss).toBeLessThan(events[0]!.loss)
    // (Training accuracy is measured with dropout on: in 8-d, dropping an informative input costs some.)
    expect(events.at(-1)!.accuracy).toBeGreaterThan(Math.max(0.75, events[0]!.accuracy))
    for (const e of events) expect(e.epochs).toBe(result.settings.epochs)
    // The class centres come back unit length, one column per class.
    expect(result.classWeights).toHaveLength(4 * 4)
    for (let c = 0; c < 4; c++) {
      let s = 0
      for (let j = 0; j < 4; j++) s += result.classWeights[j * 4 + c]! ** 2
      expect(s).toBeCloseTo(1, 5)
    }
  })

  it('learns it with the default 64-d head too', async () => {
    const result = await trainHead(train, { validation })
    expect(result.weights).toHaveLength(D * 64)
    expect(result.history.at(-1)!.validationMpAt5).toBeGreaterThan(0.97)
    expect(informativeShare(result.weights, 64)).toBeGreaterThan(0.9)
  })

  it('starts from a given head instead of a PCA', async () => {
    const init = { weights: new Float32Array(D * 4), bias: new Float32Array(4) }
    for (let r = 0; r < D; r++) for (let c = 0; c < 4; c++) init.weights[r * 4 + c] = r === c ? 1 : 0
    const result = await trainHead(train, { init, validation, epochs: 5 })
    expect(result.settings.outputDim).toBe(4)
    expect(result.initialValidationMpAt5).toBeGreaterThan(0.3) // identity on dims 0–3: half signal
    expect(result.history.at(-1)!.validationMpAt5).toBeGreaterThan(result.initialValidationMpAt5!)
    expect(init.weights[0]).toBe(1) // the caller's head is not modified
  })
})

describe('trainHead is reproducible', () => {
  it('gives identical weights for the same seed and different ones for another seed', async () => {
    const options = { epochs: 4, outputDim: 16 }
    const a = await trainHead(train, { ...options, seed: 7 })
    const b = await trainHead(train, { ...options, seed: 7 })
    const c = await trainHead(train, { ...options, seed: 8 })
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true)
    expect(Buffer.from(a.bias.buffer).equals(Buffer.from(b.bias.buffer))).toBe(true)
    expect(Buffer.from(a.classWeights.buffer).equals(Buffer.from(b.classWeights.buffer))).toBe(true)
    expect(a.history.map((h) => h.loss)).toEqual(b.history.map((h) => h.loss))
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(c.weights.buffer))).toBe(false)
  })

  it('is reproducible when the products run on MLAS (big batches)', async () => {
    const random = seededRandom(3)
    const n = 600
    const dim = 256
    const features = Float32Array.from({ length: n * dim }, () => random())
    const data = {
      features,
      dim,
      labels: Array.from({ length: n }, (_, i) => [i % 6]),
      classNames: 'abcdef'.split(''),
    }
    const a = await trainHead(data, { epochs: 2, batchSize: 200 })
    const b = await trainHead(data, { epochs: 2, batchSize: 200 })
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true)
  })
})

describe('trainHead explains data it cannot train on', () => {
  const one = (labels: number[][], names = ['a', 'b', 'c']) => {
    const random = seededRandom(1)
    return {
      features: Float32Array.from({ length: labels.length * 4 }, random),
      dim: 4,
      labels,
      classNames: names,
    }
  }

  it('rejects empty data', async () => {
    await expect(trainHead(one([]))).rejects.toThrow(TrainingDataError)
    await expect(trainHead(one([]))).rejects.toThrow('There are no labelled photos to train on.')
    await expect(trainHead(one([[], []]))).rejects.toThrow(/no photo is in an album/)
  })

  it('rejects fewer than two albums', async () => {
    await expect(trainHead(one([[0], [0], [0]]))).rejects.toThrow(
      'Training needs at least 2 albums with photos, to learn what tells them apart; there is 1.',
    )
  })

  it('names the albums with a single photo', async () => {
    const error = await trainHead(one([[0], [0], [1], [2], [2]], ['Beach', 'Kids', 'Dogs'])).catch((e) => e)
    expect(error).toBeInstanceOf(TrainingDataError)
    expect(error.name).toBe('TrainingDataError')
    expect(error.message).toBe(
      'Album "Kids" has only one photo: an album needs at least 2 photos to learn what they share. Add photos or leave it out of training.',
    )
    const many = one([[0], [1], [2], [3], [4], [5], [6], [6]], 'abcdefg'.split(''))
    await expect(trainHead(many)).rejects.toThrow(
      /^Albums "a", "b", "c", "d", "e" and 1 more have only one photo/,
    )
  })

  it('rejects mismatched sizes, unknown albums and broken features', async () => {
    await expect(trainHead({ ...one([[0], [1]]), dim: 3 })).rejects.toThrow(
      'The features hold 8 numbers, not 2 photos × 3 as the labels say.',
    )
    await expect(trainHead(one([[0], [0], [3], [3]]))).rejects.toThrow(
      'Photo 2 has label 3, but there are only 3 albums.',
    )
    const bad = one([[0], [0], [1], [1]])
    bad.features[5] = Number.NaN
    await expect(trainHead(bad)).rejects.toThrow('Photo 1 has a feature that is not a number.')
    const validation = { features: new Float32Array(5), labels: [[0]] }
    await expect(trainHead(one([[0], [0], [1], [1]]), { validation })).rejects.toThrow(
      'The validation features hold 5 numbers, not 1 photo × 4.',
    )
  })

  it('rejects options out of range', async () => {
    const ok = one([[0], [0], [1], [1]])
    await expect(trainHead(ok, { margin: 2 })).rejects.toThrow(RangeError)
    await expect(trainHead(ok, { dropout: 1 })).rejects.toThrow(/dropout/)
    await expect(trainHead(ok, { epochs: 0 })).rejects.toThrow(/Epochs/)
    await expect(
      trainHead(ok, { init: { weights: new Float32Array(3), bias: new Float32Array(64) } }),
    ).rejects.toThrow(/starting head/)
  })
})

describe('trainHead with real-life label structures', () => {
  it('trains multi-label photos as one sample per album, weighted 1/albums, never pushed from their other album', async () => {
    const { samples } = prepareSamples({ ...train, labels: [[0, 1], ...train.labels.slice(1)] }, 0)
    const photo0 = samples.filter((s) => s.photo === 0)
    expect(photo0.map((s) => s.target)).toEqual([0, 1])
    expect(photo0[0]!.weight).toBeCloseTo(photo0[1]!.weight, 12)
    expect(photo0[0]!.weight / samples.find((s) => s.photo === 1)!.weight).toBeCloseTo(0.5, 12)
    expect(photo0.map((s) => s.exclude)).toEqual([[1], [0]])
    // An album made only of photos that are also elsewhere trains fine.
    const labels = train.labels.map((l, i) => (i < 8 ? [...l, 4] : l))
    const result = await trainHead(
      { ...train, labels, classNames: [...classNames, 'favourites'] },
      { epochs: 3 },
    )
    expect(result.samples).toBe(train.labels.length + 8)
    expect(result.photos).toBe(train.labels.length)
  })

  it('balances albums of very different sizes', async () => {
    const labels = [...Array(500).fill([0]), ...Array(5).fill([1])] as number[][]
    const weightOf = (balance: number) => {
      const { samples } = prepareSamples(
        { features: new Float32Array(505), dim: 1, labels, classNames: ['big', 'small'] },
        balance,
      )
      const total = (c: number) => samples.filter((s) => s.target === c).reduce((a, s) => a + s.weight, 0)
      return {
        big: total(0),
        small: total(1),
        mean: samples.reduce((a, s) => a + s.weight, 0) / samples.length,
      }
    }
    expect(weightOf(0).big / weightOf(0).small).toBeCloseTo(100, 6) // unbalanced: by photo count
    expect(weightOf(1).big / weightOf(1).small).toBeCloseTo(1, 6) // fully balanced
    expect(weightOf(0.5).big / weightOf(0.5).small).toBeCloseTo(10, 6) // the default: √ of the ratio
    expect(weightOf(0.5).mean).toBeCloseTo(1, 12) // weights keep a mean of 1: the learning rate means the same

    // A 5-photo album next to a 200-photo one is still learned.
    const big = toy(200, 5)
    const keep = big.labels.flatMap((l, i) => (l[0] === 0 || (l[0] === 1 && i < 20) ? [i] : []))
    const features = new Float32Array(keep.length * D)
    keep.forEach((i, r) => features.set(big.features.subarray(i * D, (i + 1) * D), r * D))
    const result = await trainHead(
      { features, dim: D, labels: keep.map((i) => big.labels[i]!), classNames: ['big', 'small'] },
      { validation: toy(25, 6), outputDim: 4 },
    )
    expect(keep.filter((i) => big.labels[i]![0] === 1)).toHaveLength(5)
    expect(result.history.at(-1)!.accuracy).toBeGreaterThan(0.95)
  })

  it('scales to thousands of albums', async () => {
    const random = seededRandom(9)
    const albums = 3000
    const dim = 32
    const n = albums * 2
    const features = Float32Array.from({ length: n * dim }, () => random())
    const labels = Array.from({ length: n }, (_, i) => [i % albums])
    const names = Array.from({ length: albums }, (_, a) => `album ${a}`)
    const result = await trainHead({ features, dim, labels, classNames: names }, { epochs: 2 })
    expect(result.classWeights).toHaveLength(64 * albums)
    expect(result.history).toHaveLength(2)
  })

  it('picks bigger batches only for big libraries', () => {
    expect(defaultBatchSize(300)).toBe(64)
    expect(defaultBatchSize(10_000)).toBe(64)
    expect(defaultBatchSize(40_000)).toBe(256)
    expect(defaultBatchSize(100_000)).toBe(256)
  })
})

describe('trainHead can be cancelled', () => {
  it('stops between mini-batches with the signal’s reason', async () => {
    const controller = new AbortController()
    let epochs = 0
    const run = trainHead(train, {
      epochs: 500,
      signal: controller.signal,
      onProgress: () => {
        if (++epochs === 2) controller.abort()
      },
    })
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(epochs).toBe(2)
  })

  it('aborts from a timer too (the loop yields to the event loop)', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('Stopped by the user.')), 50)
    await expect(trainHead(train, { epochs: 10_000, signal: controller.signal })).rejects.toThrow(
      'Stopped by the user.',
    )
  })

  it('does not start when already aborted', async () => {
    await expect(trainHead(train, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    })
  })
})

describe('splitByClass', () => {
  it('spreads the training photos evenly within each class, starting with train', () => {
    const members = new Map([
      ['a', ['a/1', 'a/2', 'a/3', 'a/4']],
      ['b', ['b/1', 'b/2', 'b/3']],
    ])
    const half = splitByClass(members, 0.5)
    expect([...half.train].sort()).toEqual(['a/1', 'a/3', 'b/1', 'b/3'])
    expect([...half.heldOut].sort()).toEqual(['a/2', 'a/4', 'b/2'])
    const quarter = splitByClass(members, 0.25)
    expect([...quarter.train].sort()).toEqual(['a/1', 'b/1'])
    expect(() => splitByClass(members, 1)).toThrow(/between 0 and 1/)
  })

  it('holds out a photo of several classes if any class holds it out (the head never sees it)', () => {
    const { train, heldOut } = splitByClass(
      new Map([
        ['a', ['x', 'shared']],
        ['b', ['shared', 'y']],
      ]),
      0.5,
    )
    expect(heldOut.has('shared')).toBe(true)
    expect(train.has('shared')).toBe(false)
  })
})
