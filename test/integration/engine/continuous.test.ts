import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import {
  ContinuousTrainer,
  type ContinuousEvent,
} from '../../../src/engine/personalize/continuous-trainer.js'
import { copyPhotos, MIRROR, seedPhotos, tempDir, waitFor } from '../support.js'

let work: string
let engine: Engine
let photos: string[]

beforeAll(async () => {
  work = await tempDir('continuous')
  photos = await copyPhotos(await seedPhotos(6), path.join(work, 'photos'))
  engine = await Engine.open({ libraryDir: path.join(work, 'library'), modelMirror: MIRROR })
  await engine.index([path.join(work, 'photos')])
})
afterAll(async () => {
  await engine.close()
  await fs.rm(work, { recursive: true, force: true })
})

const ofClass = (cls: string) => photos.filter((p) => path.basename(p).startsWith(`${cls}-`))

async function run(autoAccept: boolean, change: () => Promise<void>): Promise<ContinuousEvent[]> {
  const events: ContinuousEvent[] = []
  const trainer = new ContinuousTrainer(engine, {
    autoAccept,
    quietMs: 300,
    pollMs: 50,
    onEvent: (e) => events.push(e),
  })
  await trainer.start()
  try {
    await new Promise((r) => setTimeout(r, 500))
    expect(events).toEqual([]) // nothing changed since it started: no training
    await change()
    await waitFor('a retrain', async () => events.some((e) => e.type !== 'training'), 60_000)
    return events
  } finally {
    await trainer.stop()
  }
}

describe('continuous training', () => {
  it('says why it cannot retrain with a single album', async () => {
    const albums = await engine.albums()
    await albums.create('Dogs')
    const events = await run(false, async () => {
      await albums.add('Dogs', (await engine.photoIds(ofClass('Dog'))).ids)
    })
    expect(events.at(-1)).toMatchObject({
      type: 'skipped',
      reason: expect.stringMatching(/at least 2 albums/),
    })
  })

  it('proposes a retrained head when albums change, without switching to it', async () => {
    const albums = await engine.albums()
    const headBefore = engine.settings.activeHead
    const events = await run(false, async () => {
      await albums.create('Cars')
      await albums.add('Cars', (await engine.photoIds(ofClass('Vehicle'))).ids)
    })
    const last = events.at(-1)!
    expect(last.type).toBe('proposal')
    if (last.type !== 'proposal') return
    expect(last.report.accepted).toBe(false)
    expect(last.report.albums).toBe(2)
    expect(engine.settings.activeHead).toBe(headBefore)
    expect((await engine.listHeads()).map((h) => h.version)).toContain(last.report.headVersion)
  })

  it('with auto-accept, uses the new head only when it is better on the held-out photos', async () => {
    const albums = await engine.albums()
    const events = await run(true, async () => {
      await albums.create('Food')
      await albums.add('Food', (await engine.photoIds(ofClass('Food'))).ids)
    })
    const last = events.at(-1)!
    expect(['accepted', 'proposal']).toContain(last.type)
    if (last.type === 'accepted') {
      expect(last.report.after['mP@5']).toBeGreaterThanOrEqual(last.report.before['mP@5'] + 0.005)
      expect(engine.settings.activeHead).toBe(last.report.headVersion)
    } else if (last.type === 'proposal') {
      expect(last.report.after['mP@5']).toBeLessThan(last.report.before['mP@5'] + 0.005)
    }
  })
})
