/**
 * The training worker once bundled: train-worker.ts inside a bundle (as the Electron main process will
 * carry it) and train-worker-entry.ts emitted beside it as train-worker-entry.js, run by plain Node with no
 * TypeScript loader at all. (From sources, tsx or vitest, it is covered by the unit tests.)
 *
 * esbuild comes with tsx; onnxruntime-node stays external (a native module), pointed at by absolute path.
 */
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { build, type Plugin } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO, runNode, tempDir } from '../support.js'

let work: string
beforeAll(async () => {
  work = await tempDir('train-bundle')
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

const ortPath = createRequire(path.join(REPO, 'package.json')).resolve('onnxruntime-node')
const externalOrt: Plugin = {
  name: 'external-onnxruntime',
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-node$/ }, () => ({ path: ortPath, external: true }))
  },
}

const RUN = `
import { trainHeadInWorker } from './index.js'
const n = 90, dim = 12
const features = new Float32Array(n * dim)
for (let i = 0; i < features.length; i++) features[i] = ((i * 7919) % 101) / 101 + (i % dim === Math.floor(i / dim) % 3 ? 1 : 0)
const labels = Array.from({ length: n }, (_, i) => [i % 3])
const events = []
const result = await trainHeadInWorker(
  { features, dim, labels, classNames: ['a', 'b', 'c'] },
  { epochs: 3, onProgress: (e) => events.push(e.epoch) },
)
let error = null
await trainHeadInWorker({ features, dim, labels: labels.map(() => [0]), classNames: ['a', 'b', 'c'] }).catch((e) => {
  error = { name: e.name, message: e.message }
})
const loaders = process.execArgv.join(' ')
console.log(JSON.stringify({ events, weights: result.weights.length, finite: result.weights.every(Number.isFinite), error, loaders }))
`

/** Plain Node: no tsx, and none of the test runner's loaders. */
function node(script: string) {
  return runNode([script], { cwd: path.dirname(script), plain: true })
}

describe('the training worker in a bundle', () => {
  it('loads train-worker-entry.js beside the bundle and trains without any TypeScript loader', async () => {
    const out = path.join(work, 'out')
    const common = {
      bundle: true,
      platform: 'node' as const,
      format: 'esm' as const,
      target: 'node20',
      plugins: [externalOrt],
      logLevel: 'silent' as const,
      // Bundled CommonJS dependencies (onnx-proto's protobufjs) call require().
      banner: {
        js: `import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);`,
      },
    }
    await build({
      ...common,
      entryPoints: [path.join(REPO, 'src/engine/train/train-worker.ts')],
      outfile: path.join(out, 'index.js'),
    })
    await build({
      ...common,
      entryPoints: [path.join(REPO, 'src/engine/train/train-worker-entry.ts')],
      outfile: path.join(out, 'train-worker-entry.js'),
    })
    await fs.writeFile(path.join(out, 'package.json'), '{ "type": "module" }')
    await fs.writeFile(path.join(out, 'run.js'), RUN)
    const res = await node(path.join(out, 'run.js'))
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const r = JSON.parse(res.stdout.trim())
    expect(r).toMatchObject({ events: [1, 2, 3], weights: 12 * 64, finite: true, loaders: '' })
    expect(r.error).toEqual({
      name: 'TrainingDataError',
      message: 'Training needs at least 2 albums with photos, to learn what tells them apart; there is 1.',
    })
  })
})
