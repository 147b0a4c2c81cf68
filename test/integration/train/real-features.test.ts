import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli, SHARED, tempDir } from '../support.js'

/**
 * Personalisation measured the way the product reports it: `tessera eval <set> --train-split 0.5` indexes the
 * labelled set with the real default model, trains a head (in a worker) on half of each class and scores the
 * other half — photos the head never saw — with the library's head before and the trained head after.
 */
const DATASETS = process.env.TESSERA_DATASETS ?? path.join(SHARED, 'datasets')

async function evalSplit(set: string) {
  const library = path.join(await tempDir(`train-${set}`), 'library')
  const res = await runCli([
    'eval',
    path.join(DATASETS, set),
    '--train-split',
    '0.5',
    '--library',
    library,
    '--json',
    '-q',
  ])
  expect(res.code).toBe(0)
  return JSON.parse(res.stdout).training as {
    before: { 'mP@5': number }
    after: { 'mP@5': number }
    gain: number
    heldOutPhotos: number
  }
}

describe('training on real backbone features', () => {
  it('flowers17-40: the trained head gains at least 0.12 held-out mP@5 over the library head', async () => {
    const t = await evalSplit('flowers17-40')
    expect(t.heldOutPhotos).toBe(340)
    expect(t.gain).toBeGreaterThanOrEqual(0.12)
  })

  it('seed-5class: already easy, the trained head does not make it worse', async () => {
    const t = await evalSplit('seed-5class')
    expect(t.after['mP@5']).toBeGreaterThanOrEqual(t.before['mP@5'] - 0.01)
  })
})
