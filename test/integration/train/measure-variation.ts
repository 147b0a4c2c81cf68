/**
 * Measures how much the held-out training gain that real-features.test.ts asserts moves between runs and,
 * as a proxy for other machines, when the backbone features move by one int8 quantisation step (onnxruntime's
 * int8 kernels differ by instruction set — VNNI, AVX2, NEON — so the same photo's uint8 feature codes differ
 * by ±1 on some coordinates from one CPU to the next). Not a test: run it by hand when a threshold is tuned.
 *
 *   npx tsx test/integration/train/measure-variation.ts [flowers17-40|seed-5class] [repeats]
 *
 * Prints, per variant, before/after/gain on the held-out half, the same split `tessera eval --train-split 0.5`
 * uses (the library's PCA head refitted on the perturbed features, as a library on that machine would have).
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Engine } from '../../../src/engine/engine.js'
import { decodeFeature } from '../../../src/engine/embed/image-embedder.js'
import { labelledRows } from '../../../src/engine/eval/evaluate-folder.js'
import { fitPca } from '../../../src/engine/head/pca.js'
import type { Head } from '../../../src/engine/head/head.js'
import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'
import { trainAndCompare } from '../../../src/engine/personalize/train-and-compare.js'
import { MIRROR, SHARED } from '../support.js'

const set = process.argv[2] ?? 'flowers17-40'
const repeats = Number(process.argv[3] ?? 3)
const folder = path.join(process.env.TESSERA_DATASETS ?? path.join(SHARED, 'datasets'), set)
const libraryDir = path.join(os.tmpdir(), `tessera-measure-${set}`)

const engine = await Engine.open({ libraryDir, modelMirror: MIRROR })
try {
  await engine.index([folder])
  const rows = labelledRows(folder, await engine.store.query(`status = 'ok'`))
  const head = (await engine.heads.current())!
  const mm = await engine.matmul()
  const codes = rows.map((r) => r.row.feature!)
  const dim = head.inputDim
  const labels = rows.map((r) => r.label)
  const classNames = [...new Set(labels)].sort()
  const ids = rows.map((r) => r.row.id)

  /** Refits the PCA head the way the library does (all rows, seed 1), on these features. */
  async function pcaHead(features: Float32Array): Promise<Head> {
    const pca = await fitPca(features, ids.length, dim, head.outputDim, mm)
    const bias = new Float32Array(head.outputDim)
    for (let c = 0; c < head.outputDim; c++) {
      let s = 0
      for (let r = 0; r < dim; r++) s += pca.mean[r]! * pca.components[r * head.outputDim + c]!
      bias[c] = -s
    }
    return { ...head, weights: pca.components, bias }
  }

  async function measure(name: string, perturb: number, seed: number): Promise<number> {
    const rnd = seededRandom(seed)
    const features = new Float32Array(ids.length * dim)
    codes.forEach((c, i) => {
      const moved = Uint8Array.from(c, (v) =>
        rnd() < perturb ? Math.min(255, Math.max(0, v + (rnd() < 0.5 ? -1 : 1))) : v,
      )
      decodeFeature(moved, head.codec, features, i * dim)
    })
    const current = perturb > 0 ? await pcaHead(features) : head
    const c = await trainAndCompare(
      { ids, features, dim, labels: labels.map((l) => [classNames.indexOf(l)]), classNames },
      current,
      mm,
      { trainFraction: 0.5 },
    )
    const gain = c.after - c.before
    console.log(
      `${name.padEnd(34)} before ${c.before.toFixed(4)}  after ${c.after.toFixed(4)}  gain ${gain.toFixed(4)}`,
    )
    return gain
  }

  const summary: string[] = []
  for (const [name, perturb] of [
    ['as indexed (run to run)', 0],
    ['±1 code on 10 % of coordinates', 0.1],
    ['±1 code on 50 % of coordinates', 0.5],
  ] as const) {
    const gains: number[] = []
    for (let r = 0; r < repeats; r++) gains.push(await measure(`${name} #${r + 1}`, perturb, 100 + r))
    const mean = gains.reduce((a, b) => a + b, 0) / gains.length
    summary.push(
      `${name}: gain ${Math.min(...gains).toFixed(4)}…${Math.max(...gains).toFixed(4)} (mean ${mean.toFixed(4)})`,
    )
  }
  console.log(`\n${set}, ${ids.length} photos:\n${summary.join('\n')}`)
} finally {
  await engine.close()
  if (process.env.KEEP_LIBRARY !== '1') await fs.rm(libraryDir, { recursive: true, force: true })
}
