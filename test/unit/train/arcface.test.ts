import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  arcfaceLoss,
  dropout,
  embedBatch,
  marginCosine,
  normaliseClassWeights,
  type ArcFaceBatch,
  type ArcFaceModel,
  type ArcFaceSettings,
} from '../../../src/engine/train/arcface.js'
import { matrixProducts, multiplyJs } from '../../../src/engine/train/products.js'
import { MatMul } from '../../../src/engine/linalg/ort-matmul.js'
import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'

const js = matrixProducts()

function problem(seed: number, d: number, k: number, c: number, b: number, multiLabel = false) {
  const random = seededRandom(seed)
  const u = () => random() * 2 - 1
  const model: ArcFaceModel = {
    inputDim: d,
    outputDim: k,
    classes: c,
    weights: Float64Array.from({ length: d * k }, u),
    bias: Float64Array.from({ length: k }, u),
    classWeights: Float64Array.from({ length: k * c }, u),
  }
  const batch: ArcFaceBatch = {
    x: Float64Array.from({ length: b * d }, u),
    rows: b,
    targets: Int32Array.from({ length: b }, () => Math.floor(random() * c)),
    // Class-balance weights: anything positive.
    sampleWeights: Float64Array.from({ length: b }, () => 0.25 + 2 * random()),
  }
  if (multiLabel) {
    // Rows 0 and 1 are the same photo in two albums; row 2's photo is in three.
    batch.x.copyWithin(d, 0, d)
    batch.targets[0] = 0
    batch.targets[1] = 1
    batch.targets[2] = 2
    batch.exclude = [[1], [0], [0, 1]]
    ;(batch.sampleWeights as Float64Array)[0] = 0.5
    ;(batch.sampleWeights as Float64Array)[1] = 0.5
  }
  return { model, batch }
}

/**
 * Worst relative error of the analytic gradient against central differences of the loss itself, over
 * every parameter. Float64 throughout: the same code as training, on float64 arrays.
 */
async function gradientError(model: ArcFaceModel, batch: ArcFaceBatch, settings: ArcFaceSettings) {
  const { gradients } = await arcfaceLoss(model, batch, settings, js)
  let worst = 0
  let diff2 = 0
  let norm2 = 0
  for (const key of ['weights', 'bias', 'classWeights'] as const) {
    const p = model[key]
    for (let i = 0; i < p.length; i++) {
      const h = 1e-6 * Math.max(1, Math.abs(p[i]!))
      const v = p[i]!
      p[i] = v + h
      const up = (await arcfaceLoss(model, batch, settings, js, false)).loss
      p[i] = v - h
      const down = (await arcfaceLoss(model, batch, settings, js, false)).loss
      p[i] = v
      const numeric = (up - down) / (2 * h)
      const analytic = gradients![key][i]!
      worst = Math.max(
        worst,
        Math.abs(numeric - analytic) / Math.max(Math.abs(numeric) + Math.abs(analytic), 1e-7),
      )
      diff2 += (numeric - analytic) ** 2
      norm2 += numeric ** 2
    }
  }
  return { worst, relative: Math.sqrt(diff2 / norm2) }
}

describe('ArcFace loss gradients (finite differences, float64)', () => {
  const cases: Array<[string, ArcFaceSettings, boolean]> = [
    ['no margin', { scale: 8, margin: 0 }, false],
    ['margin 0.5', { scale: 16, margin: 0.5 }, false],
    ['margin 0.5, dropout', { scale: 16, margin: 0.5, dropout: { rate: 0.3, seed: 5 } }, false],
    ['margin 0.3, multi-label', { scale: 30, margin: 0.3 }, true],
    ['easy margin', { scale: 10, margin: 0.4, easyMargin: true }, false],
  ]
  for (const [name, settings, multiLabel] of cases) {
    it(`matches the loss's central differences: ${name}`, async () => {
      for (const seed of [1, 2, 3]) {
        const { model, batch } = problem(seed, 9, 6, 5, 7, multiLabel)
        const { worst, relative } = await gradientError(model, batch, settings)
        expect(worst).toBeLessThan(1e-4)
        expect(relative).toBeLessThan(1e-6)
      }
    })
  }

  it('matches them on the fallback branch too (target beyond π − m)', async () => {
    const { model, batch } = problem(4, 6, 4, 3, 3)
    // Class 0's centre is opposite row 0's embedding, and row 0 targets it: cos ≈ −1 < cos(π − m).
    const z = multiplyJs(batch.x.subarray(0, 6), 1, 6, model.weights, 4)
    for (let j = 0; j < 4; j++) model.classWeights[j * 3] = -(z[j]! + model.bias[j]!) + 0.05 * (j - 1.5)
    batch.targets[0] = 0
    const settings = { scale: 16, margin: 0.5 }
    const { e } = await embedBatch(model, batch.x, 3, js)
    const { unit } = normaliseClassWeights(model)
    let cos = 0
    for (let j = 0; j < 4; j++) cos += e[j]! * unit[j * 3]!
    expect(cos).toBeLessThan(Math.cos(Math.PI - 0.5))
    expect((await arcfaceLoss(model, batch, settings, js)).loss).toBeGreaterThan(0)
    const { worst } = await gradientError(model, batch, settings)
    expect(worst).toBeLessThan(1e-4)
  })

  it('follows insightface: φ = cos(θ + m) above cos(π − m), cos θ − m·sin(π − m) below, with matching slopes', () => {
    const m = 0.5
    for (const c of [0.9, 0.3, -0.5, -0.87]) {
      expect(marginCosine(c, m).phi).toBeCloseTo(Math.cos(Math.acos(c) + m), 12)
    }
    expect(marginCosine(-0.95, m).phi).toBeCloseTo(-0.95 - m * Math.sin(Math.PI - m), 12)
    expect(marginCosine(-0.2, m, true).phi).toBe(-0.2) // easy margin: none past 90°
    for (const c of [0.8, 0.1, -0.6, -0.95]) {
      const h = 1e-7
      const numeric = (marginCosine(c + h, m).phi - marginCosine(c - h, m).phi) / (2 * h)
      expect(marginCosine(c, m).slope).toBeCloseTo(numeric, 5)
    }
    // φ decreases as θ grows (c falls), also across the threshold, where it steps down.
    const th = Math.cos(Math.PI - m)
    const cs = [0.99, 0.5, 0, -0.5, th + 1e-9, th - 1e-9, -0.9, -0.99]
    const phis = cs.map((c) => marginCosine(c, m).phi)
    for (let i = 1; i < phis.length; i++) expect(phis[i]!).toBeLessThan(phis[i - 1]!)
  })

  it('weights rows: a zero-weight row neither costs nor moves anything', async () => {
    const { model, batch } = problem(7, 5, 4, 3, 4)
    const w = batch.sampleWeights as Float64Array
    const full = await arcfaceLoss(model, batch, { scale: 8, margin: 0.3 }, js)
    w[2] = 0
    const without = await arcfaceLoss(model, batch, { scale: 8, margin: 0.3 }, js)
    expect(without.loss).toBeLessThan(full.loss)
    const single = { ...batch, x: batch.x.slice(10, 15), rows: 1, targets: batch.targets.slice(2, 3) }
    const alone = await arcfaceLoss(model, { ...single, sampleWeights: [1] }, { scale: 8, margin: 0.3 }, js)
    // Loss is Σ wᵢℓᵢ / B: the row's own loss, weighted and divided by the batch size, makes up the difference.
    w[2] = 1
    const weighted = await arcfaceLoss(model, batch, { scale: 8, margin: 0.3 }, js)
    expect(weighted.loss - without.loss).toBeCloseTo(alone.loss / 4, 10)
  })
})

describe('ArcFace loss in float32 with MLAS', () => {
  let mm: MatMul
  beforeAll(async () => {
    mm = await MatMul.create(1)
  })
  afterAll(async () => {
    await mm.close()
  })

  it('agrees with the float64 reference when the products go through onnxruntime', async () => {
    const { model, batch } = problem(11, 256, 64, 40, 32, true)
    const settings = { scale: 16, margin: 0.5, dropout: { rate: 0.2, seed: 3 } }
    const ref = await arcfaceLoss(model, batch, settings, js)
    const f32 = {
      ...model,
      weights: Float32Array.from(model.weights),
      bias: Float32Array.from(model.bias),
      classWeights: Float32Array.from(model.classWeights),
    }
    const viaOrt = await arcfaceLoss(
      f32,
      { ...batch, x: Float32Array.from(batch.x) },
      settings,
      matrixProducts(mm, 1),
    )
    expect(viaOrt.loss).toBeCloseTo(ref.loss, 4)
    for (const key of ['weights', 'bias', 'classWeights'] as const) {
      const a = ref.gradients![key]
      const b = viaOrt.gradients![key]
      let diff = 0
      let norm = 0
      for (let i = 0; i < a.length; i++) {
        diff += (a[i]! - b[i]!) ** 2
        norm += a[i]! ** 2
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(1e-4)
    }
  })
})

describe('dropout', () => {
  it('drops about `rate` of the values, scales the rest by 1/(1 − rate), and is reproducible', () => {
    const x = new Float32Array(100_000).fill(1)
    const y = dropout(x, 0.25, 42)
    let zeros = 0
    let sum = 0
    for (const v of y) {
      if (v === 0) zeros++
      sum += v
    }
    expect(zeros / x.length).toBeCloseTo(0.25, 2)
    expect(sum / x.length).toBeCloseTo(1, 1)
    expect(y.find((v) => v !== 0)).toBeCloseTo(1 / 0.75, 6)
    expect(dropout(x, 0.25, 42)).toEqual(y)
    expect(dropout(x, 0.25, 43)).not.toEqual(y)
    expect(dropout(x, 0, 42)).toBe(x) // off: the same array, untouched
  })
})
