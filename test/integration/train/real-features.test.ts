import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cachedLibrary, datasetDir, type CachedSet } from '../cached-library.js'
import { runCli } from '../support.js'

/**
 * Personalisation measured the way the product reports it: `tessera eval <set> --train-split 0.5` indexes the
 * labelled set with the real default model, trains a head (in a worker) on half of each class and scores the
 * other half — photos the head never saw — with the library's head before and the trained head after.
 * The eval is given a library of the same set (indexed once for the test run, cached-library.ts), so it takes
 * every photo's feature from there instead of decoding and embedding it again: the same features, so the
 * same scores (eval-readonly.test.ts checks that reused features score as fresh ones).
 */
async function evalSplit(set: CachedSet, photos: number) {
  const library = await cachedLibrary(set)
  const res = await runCli([
    'eval',
    datasetDir(set),
    '--train-split',
    '0.5',
    '--library',
    library,
    '--json',
    '-q',
  ])
  await fs.rm(path.dirname(library), { recursive: true, force: true })
  expect(res.code, res.stderr).toBe(0)
  const report = JSON.parse(res.stdout)
  expect(report.reusedFeatures).toBe(photos)
  return report.training as {
    before: { 'mP@5': number }
    after: { 'mP@5': number }
    gain: number
    heldOutPhotos: number
  }
}

describe('training on real backbone features', () => {
  /**
   * Measured gain (test/integration/train/measure-variation.ts): 0.1153 here (0.853 → 0.968), the same in
   * three runs; 0.122 where it was tuned (another CPU). Moving the features by one int8 step, as another
   * CPU's kernels do, on 10 % or 50 % of the coordinates (3 draws each) gave 0.112…0.118. The floor sits
   * 0.022 below the lowest of these, three times the largest machine-to-machine difference seen (0.007),
   * and still fails a training that gains only three quarters of what it does.
   */
  it('flowers17-40: the trained head gains at least 0.09 held-out mP@5 over the library head', async () => {
    const t = await evalSplit('flowers17-40', 680)
    expect(t.heldOutPhotos).toBe(340)
    expect(t.gain).toBeGreaterThanOrEqual(0.09)
  })

  // Measured: +0.071 here (0.910 → 0.980), the same in three runs; +0.067…+0.071 with the features moved by
  // one int8 step. One held-out photo's P@5 is worth 0.004 of the mean.
  it('seed-5class: already easy, the trained head does not make it worse', async () => {
    const t = await evalSplit('seed-5class', 104)
    expect(t.after['mP@5']).toBeGreaterThanOrEqual(t.before['mP@5'] - 0.01)
  })
})
