import { describe, expect, it } from 'vitest'
import { startModuleWorker, workerEntry } from '../../../src/engine/worker-module.js'

describe('workerEntry', () => {
  it('finds the TypeScript entry beside a source module', () => {
    expect(workerEntry('heic-worker-entry', 'file:///repo/src/engine/decode/heic-worker-pool.ts')).toEqual({
      url: new URL('file:///repo/src/engine/decode/heic-worker-entry.ts'),
      typescript: true,
    })
  })

  it('finds the emitted entry beside a bundle file or chunk', () => {
    expect(workerEntry('embed-worker-entry', 'file:///app/out/cli/chunk-ABC123.js')).toEqual({
      url: new URL('file:///app/out/cli/embed-worker-entry.js'),
      typescript: false,
    })
  })
})

describe('startModuleWorker', () => {
  it('runs a TypeScript entry from sources, with its workerData', async () => {
    const worker = startModuleWorker(
      'map-layout-worker-entry',
      new URL('../../../src/host/map-layout.ts', import.meta.url).href,
      { workerData: { vectors: new Float32Array([1, 0, 0, 1]), count: 2, dim: 2, seed: 1, sample: 10 } },
    )
    const done = await new Promise<Float32Array>((resolve, reject) => {
      worker.on('message', (m: { done?: Float32Array }) => m.done && resolve(m.done))
      worker.on('error', reject)
    })
    await worker.terminate()
    expect(Array.from(done)).toEqual([0, 0.5, 1, 0.5]) // two photos: spread on a line
  })

  it('reports an entry that does not exist as the worker failing', async () => {
    const worker = startModuleWorker('no-such-entry', import.meta.url)
    const error = await new Promise<Error>((resolve) => worker.on('error', resolve))
    expect(error.message).toMatch(/no-such-entry/)
  })
})
