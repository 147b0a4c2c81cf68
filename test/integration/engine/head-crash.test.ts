import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import { saveHead, type Head } from '../../../src/engine/head/head.js'
import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'
import { copyPhotos, MIRROR, runCli, seedPhotos, tempDir } from '../support.js'

let work: string
let library: string
let original: string
const OTHER = 'test-head-b'

beforeAll(async () => {
  work = await tempDir('head-crash')
  library = path.join(work, 'library')
  const photos = await copyPhotos(await seedPhotos(4), path.join(work, 'photos'))
  const engine = await Engine.open({ libraryDir: library, modelMirror: MIRROR })
  try {
    await engine.index([path.dirname(photos[0]!)])
    original = engine.settings.activeHead!
    // A second head to switch to: any Dense(1280→64) of the same model will do.
    const current = (await engine.heads.current())!
    const rnd = seededRandom(9)
    const other: Head = {
      ...current,
      version: OTHER,
      kind: 'arcface',
      weights: Float32Array.from(current.weights, () => rnd() - 0.5),
      createdAt: new Date().toISOString(),
    }
    await saveHead(engine.layout.heads, other)
  } finally {
    await engine.close()
  }
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

async function stateAfterRestart(): Promise<{ active: string | null; carried: Set<string | null> }> {
  const engine = await Engine.open({ libraryDir: library, modelMirror: MIRROR })
  try {
    const rows = await engine.store.indexState()
    return { active: engine.settings.activeHead, carried: new Set(rows.map((r) => r.headVersion)) }
  } finally {
    await engine.close()
  }
}

describe('kill -9 while a head is being applied', () => {
  it.each([
    ['before the embeddings are written', 'head:before-reproject', () => original],
    ['after the embeddings are written, before the settings', 'head:after-reproject', () => OTHER],
  ])('%s: the library uses one head, completely', async (_when, point, expected) => {
    const res = await runCli(['heads', 'use', OTHER, '--library', library], { TESSERA_FAILPOINT: point })
    expect(res.code).toBeNull() // killed by SIGKILL
    const { active, carried } = await stateAfterRestart()
    expect(carried).toEqual(new Set([expected()]))
    expect(active).toBe(expected())
    // Back to the original head for the next case.
    if (active !== original)
      expect((await runCli(['heads', 'use', original, '--library', library])).code).toBe(0)
  })

  it('switches completely when nothing goes wrong, and back', async () => {
    expect((await runCli(['heads', 'use', OTHER, '--library', library])).code).toBe(0)
    expect(await stateAfterRestart()).toEqual({ active: OTHER, carried: new Set([OTHER]) })
    expect((await runCli(['heads', 'use', original, '--library', library])).code).toBe(0)
    expect(await stateAfterRestart()).toEqual({ active: original, carried: new Set([original]) })
  })
})
