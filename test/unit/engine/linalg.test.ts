import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MatMul } from '../../../src/engine/linalg/ort-matmul.js'
import {
  orthonormalizeRows,
  seededRandom,
  symmetricEigen,
} from '../../../src/engine/linalg/symmetric-eigen.js'
import { fitPca } from '../../../src/engine/head/pca.js'
import { applyHead, loadHead, normalizeRows, saveHead, type Head } from '../../../src/engine/head/head.js'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

let mm: MatMul
beforeAll(async () => {
  mm = await MatMul.create(1)
})
afterAll(async () => {
  await mm.close()
})

describe('MatMul', () => {
  it('multiplies row-major matrices', async () => {
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]) // 2×3
    const b = Float32Array.from([7, 8, 9, 10, 11, 12]) // 3×2
    expect(Array.from(await mm.run(a, 2, 3, b, 2))).toEqual([58, 64, 139, 154])
  })
  it('refuses mismatched shapes', async () => {
    await expect(mm.run(new Float32Array(6), 2, 2, new Float32Array(4), 2)).rejects.toThrow(/shape/)
  })
})

describe('symmetricEigen', () => {
  it('decomposes a symmetric matrix: A v = λ v, descending', () => {
    const n = 6
    const rnd = seededRandom(3)
    const m = new Float64Array(n * n)
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = rnd() - 0.5
    const { values, vectors } = symmetricEigen(m, n)
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0
        for (let j = 0; j < n; j++) av += m[i * n + j]! * vectors[j * n + k]!
        expect(av).toBeCloseTo(values[k]! * vectors[i * n + k]!, 9)
      }
      if (k > 0) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!)
    }
  })
  it('orthonormalizes rows, even rank-deficient ones', () => {
    const rows = 3
    const cols = 5
    const m = Float64Array.from([1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 2, 2, 0, 0, 0]) // row 1 = row 0, row 2 = 2·row 0
    orthonormalizeRows(m, rows, cols)
    for (let a = 0; a < rows; a++) {
      for (let b = 0; b < rows; b++) {
        let dot = 0
        for (let c = 0; c < cols; c++) dot += m[a * cols + c]! * m[b * cols + c]!
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 9)
      }
    }
  })
})

describe('fitPca', () => {
  it('recovers the principal directions of data with known structure', async () => {
    // 3-d data stretched along x (σ=10) then y (σ=3), z nearly flat, plus an offset.
    const n = 2000
    const rnd = seededRandom(7)
    const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
    const x = new Float32Array(n * 3)
    for (let i = 0; i < n; i++) {
      x[i * 3] = 10 * gauss() + 5
      x[i * 3 + 1] = 3 * gauss() - 2
      x[i * 3 + 2] = 0.1 * gauss() + 1
    }
    const fit = await fitPca(x, n, 3, 2, mm)
    expect(fit.mean[0]).toBeCloseTo(5, 0)
    expect(Math.abs(fit.components[0 * 2 + 0]!)).toBeGreaterThan(0.99) // first component ≈ x axis
    expect(Math.abs(fit.components[1 * 2 + 1]!)).toBeGreaterThan(0.99) // second ≈ y axis
    expect(fit.variances[0]! / fit.variances[1]!).toBeGreaterThan(8)
  })

  it('captures as much variance in its default iterations as a 200-iteration reference', async () => {
    // A decaying spectrum, like image features: 200-d, 600 samples.
    const dim = 200
    const n = 600
    const rnd = seededRandom(5)
    const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
    const basis = Float64Array.from({ length: dim * dim }, () => gauss())
    const x = new Float32Array(n * dim)
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < dim; c++) {
        const z = gauss() * Math.pow(0.97, c)
        for (let r = 0; r < dim; r++) x[i * dim + r]! += z * basis[c * dim + r]!
      }
    }
    const fast = await fitPca(x, n, dim, 64, mm)
    const reference = await fitPca(x, n, dim, 64, mm, 1, 200)
    const total = (v: Float64Array) => v.reduce((a, b) => a + b, 0)
    expect(total(fast.variances)).toBeGreaterThan(0.999 * total(reference.variances))
  })

  it('is deterministic and handles fewer samples than components', async () => {
    const dim = 40
    const n = 10
    const rnd = seededRandom(11)
    const x = Float32Array.from({ length: n * dim }, () => rnd())
    const a = await fitPca(x, n, dim, 16, mm)
    const b = await fitPca(x, n, dim, 16, mm)
    expect(Array.from(a.components)).toEqual(Array.from(b.components))
    expect(a.components.every(Number.isFinite)).toBe(true)
  })
})

describe('head', () => {
  const head: Head = {
    version: 'pca-test',
    kind: 'pca',
    model: 'm@1',
    codec: { kind: 'float32' },
    inputDim: 3,
    outputDim: 2,
    weights: Float32Array.from([1, 0, 0, 1, 0, 0]),
    bias: Float32Array.from([0, -1]),
    createdAt: new Date(0).toISOString(),
    fittedOn: 2,
    metrics: { 'mP@5': 0.5 },
  }
  it('applies Dense then L2 norm', async () => {
    const out = await applyHead(head, Float32Array.from([3, 5, 9, 0, 1, 0]), 2, mm)
    expect(Array.from(out).map((v) => Number(v.toFixed(4)))).toEqual([0.6, 0.8, 0, 0])
  })
  it('round-trips through its file and refuses a damaged one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-head-'))
    await saveHead(dir, head)
    const back = await loadHead(dir, head.version)
    expect(Array.from(back.weights)).toEqual(Array.from(head.weights))
    expect(back.codec).toEqual(head.codec)
    const file = path.join(dir, `${head.version}.json`)
    const json = JSON.parse(await fs.readFile(file, 'utf8'))
    json.weights = Buffer.from([1, 2, 3]).toString('base64')
    await fs.writeFile(file, JSON.stringify(json))
    await expect(loadHead(dir, head.version)).rejects.toThrow(/weights/)
    await fs.rm(dir, { recursive: true })
  })
  it('normalizeRows leaves zero rows at zero', () => {
    const m = Float32Array.from([3, 4, 0, 0])
    normalizeRows(m, 2)
    expect(Array.from(m).map((v) => Number(v.toFixed(6)))).toEqual([0.6, 0.8, 0, 0])
  })
})
