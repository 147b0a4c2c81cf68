import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Serial } from '../../../../src/engine/library/serial.js'
import { defaultSettings } from '../../../../src/engine/library/settings.js'
import { ModelsService } from '../../../../src/engine/services/models-service.js'
import { SettingsState } from '../../../../src/engine/services/settings-state.js'
import type { ExtractorResult } from '../../../../src/engine/ports.js'
import { NoTextTowerError } from '../../../../src/engine/text/text-embedder.js'
import type { fakeExtractor } from './fakes.js'
import {
  FAKE_MODEL,
  fakeClock,
  fakeExtractorFactory,
  fakeMatMul,
  fakeWorld,
  installFakePack,
  photoSet,
  type FakeWorld,
} from './fakes.js'

let world: FakeWorld
afterEach(async () => {
  await world?.cleanup()
})

describe('search service (fakes)', () => {
  async function indexed(): Promise<ReturnType<FakeWorld['open']>> {
    world = await fakeWorld()
    await world.write(photoSet(['red', 'blue', 'green'], 4))
    const engine = await world.open()
    await engine.index([world.photosDir])
    return engine
  }
  const names = (engine: Awaited<ReturnType<FakeWorld['open']>>, ids: string[]) =>
    engine.store.get(ids).then((rows) => {
      const byId = new Map(rows.map((r) => [r.id, path.basename(r.path)]))
      return ids.map((id) => byId.get(id)!)
    })

  it('ranks a library photo’s own subject first, itself excluded', async () => {
    const engine = await indexed()
    const hits = await engine.similar(path.join(world.photosDir, 'blue-2.jpg'), 3)
    expect(
      (
        await names(
          engine,
          hits.map((h) => h.id),
        )
      ).sort(),
    ).toEqual(['blue-1.jpg', 'blue-3.jpg', 'blue-4.jpg'])
    expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[2]!.score)
  })

  it('embeds an outside file on the fly (decoder, extractor, head) without adding it', async () => {
    const engine = await indexed()
    const outside = path.join(world.dir, 'query.jpg')
    await fs.writeFile(outside, 'green 42')
    const vector = await engine.embedFile(outside)
    expect(vector).toHaveLength(64)
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5)
    const hits = await engine.similar(outside, 4)
    expect(
      (
        await names(
          engine,
          hits.map((h) => h.id),
        )
      ).sort(),
    ).toEqual(['green-1.jpg', 'green-2.jpg', 'green-3.jpg', 'green-4.jpg'])
    expect((await engine.status()).photos).toBe(12)
  })

  it('refuses to embed before the library has a head', async () => {
    world = await fakeWorld()
    const engine = await world.open()
    const file = path.join(world.dir, 'q.jpg')
    await fs.writeFile(file, 'red 1')
    await expect(engine.embedFile(file)).rejects.toThrow(/no embeddings yet/)
  })

  it('groups photos by subject', async () => {
    const engine = await indexed()
    const { groups, ungrouped } = await engine.groups({ minSize: 3 })
    const byGroup = groups.map((g) => g.paths.map((p) => path.basename(p).split('-')[0]))
    expect(ungrouped).toBe(0)
    expect(byGroup).toHaveLength(3)
    for (const members of byGroup) expect(new Set(members).size).toBe(1)
    for (const g of groups) expect(g.paths).toContain(g.coverPath)
  })

  it('text search needs a pack with a text tower', async () => {
    const engine = await indexed()
    await expect(engine.searchText('a red thing')).rejects.toBeInstanceOf(NoTextTowerError)
  })
})

describe('models service (fakes)', () => {
  function service(opts: { providers?: ['cuda', 'cpu']; extractor?: () => ExtractorResult } = {}) {
    const settings = new SettingsState(defaultSettings(), async () => undefined)
    const extractors = fakeExtractorFactory(opts.extractor)
    const matmuls: Array<ReturnType<typeof fakeMatMul>> = []
    const models = new ModelsService({
      packsDir: '/no/packs',
      settings,
      serial: new Serial(),
      clock: fakeClock('2026-07-08T09:10:11.000Z'),
      openExtractor: extractors.factory,
      createMatMul: async () => {
        const mm = fakeMatMul()
        matmuls.push(mm)
        return mm
      },
      providers: opts.providers,
      mirror: '/mirror',
    })
    return { models, settings, extractors, matmuls }
  }

  it('opens the extractor once, with the mirror and providers given, and records the provider used', async () => {
    const { models, settings, extractors } = service()
    const [a, b] = await Promise.all([models.featureExtractor(), models.featureExtractor()])
    expect(a).toBe(b)
    expect(extractors.calls).toHaveLength(1)
    expect(extractors.calls[0]).toMatchObject({
      packsDir: '/no/packs',
      packId: settings.get().model,
      mirror: '/mirror',
      providers: settings.get().providers,
    })
    expect(settings.get().lastProvider).toEqual({
      provider: 'cpu',
      attempts: [{ provider: 'cpu', ok: true, reason: 'used' }],
      at: '2026-07-08T09:10:11.000Z',
    })
  })

  it('a missing pack is a reason, and records nothing', async () => {
    const { models, settings } = service({ extractor: () => ({ ok: false, reason: 'not installed' }) })
    expect(await models.featureExtractor()).toEqual({ ok: false, reason: 'not installed' })
    expect(settings.get().lastProvider).toBeNull()
  })

  it('a session override wins over the library setting', () => {
    expect(service({ providers: ['cuda', 'cpu'] }).models.providers).toEqual(['cuda', 'cpu'])
    expect(service().models.providers).toEqual(defaultSettings().providers)
  })

  it('setting providers saves them, closes the sessions and tells the caches; the next use reopens', async () => {
    const { models, settings, extractors } = service()
    let dropped = 0
    models.onSessionsDropped(async () => {
      dropped++
    })
    const first = await models.featureExtractor()
    await models.setProviders(['cuda', 'cpu'])
    expect(settings.get().providers).toEqual(['cuda', 'cpu'])
    expect(first.ok && (first.extractor as ReturnType<typeof fakeExtractor>).closed).toBe(true)
    expect(dropped).toBe(1)
    await models.featureExtractor()
    expect(extractors.calls.map((c) => c.providers)).toEqual([defaultSettings().providers, ['cuda', 'cpu']])
  })

  it('shares one matmul session and closes everything it opened', async () => {
    const { models, matmuls, extractors } = service()
    expect(await models.matmul()).toBe(await models.matmul())
    await models.featureExtractor()
    await models.close()
    expect(matmuls).toHaveLength(1)
    expect(matmuls[0]!.closed).toBe(true)
    const opened = extractors.opened[0]!
    expect(opened.ok && (opened.extractor as ReturnType<typeof fakeExtractor>).closed).toBe(true)
  })

  it('knows the installed pack from its manifest, and refuses a model that does not exist', async () => {
    world = await fakeWorld({ pack: false })
    const engine = await world.open()
    expect(await engine.installedPack()).toBeNull()
    await installFakePack(engine.layout.packs)
    expect(await engine.installedPack()).toEqual({ model: FAKE_MODEL, codec: { kind: 'float32' } })
    await expect(engine.useModel('no-such-pack')).rejects.toThrow(/no model pack "no-such-pack"/)
  })
})
