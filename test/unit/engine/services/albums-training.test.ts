import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Head } from '../../../../src/engine/head/head.js'
import type { Comparison, LabelledSet } from '../../../../src/engine/personalize/train-and-compare.js'
import { albumCentre } from '../../../../src/engine/services/albums-service.js'
import { assembleTrainingSet, type CompareFn } from '../../../../src/engine/services/training-service.js'
import { TrainingService } from '../../../../src/engine/services/training-service.js'
import { SettingsState } from '../../../../src/engine/services/settings-state.js'
import { Serial } from '../../../../src/engine/library/serial.js'
import { defaultSettings } from '../../../../src/engine/library/settings.js'
import type { PhotoRow } from '../../../../src/engine/store/photo-store.js'
import type { Engine } from '../../../../src/engine/engine.js'
import {
  FAKE_MODEL,
  FEATURE_DIM,
  fakeMatMul,
  fakeWorld,
  photoSet,
  subjectDirection,
  type FakeWorld,
} from './fakes.js'

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer)
const row = (id: string, feature: number[] | null, extra: Partial<PhotoRow> = {}) =>
  ({ id, status: 'ok', feature: feature && f32(...feature), featureModel: 'm@1', ...extra }) as PhotoRow

describe('albums and training: pure parts', () => {
  it("an album's centre is the unit-length mean of its embeddings, skipping photos without one", () => {
    const centre = albumCentre([
      { embedding: new Float32Array([1, 0]) },
      { embedding: null },
      { embedding: new Float32Array([0, 1]) },
    ])
    expect([...centre!].map((v) => +v.toFixed(6))).toEqual([0.707107, 0.707107])
    expect(albumCentre([{ embedding: null }])).toBeNull()
    expect(albumCentre([])).toBeNull()
  })

  it('assembles the training set: classes by album name, photos by id, sorted multi-labels, usable rows only', () => {
    const names = new Map([
      ['A2', 'zebras'],
      ['A1', 'apples'],
      ['A3', 'empty'],
    ])
    const memberships = [
      { albumId: 'A2', photoId: 'p2' },
      { albumId: 'A1', photoId: 'p2' },
      { albumId: 'A1', photoId: 'p1' },
      { albumId: 'A2', photoId: 'p3' },
      { albumId: 'A3', photoId: 'gone' },
      { albumId: 'A2', photoId: 'other-model' },
      { albumId: 'A1', photoId: 'failed' },
    ]
    const rows = [
      row('p1', [1, 2]),
      row('p2', [3, 4]),
      row('p3', [5, 6]),
      row('other-model', [7, 8], { featureModel: 'x@1' }),
      row('failed', [9, 9], { status: 'failed' }),
    ]
    const set = assembleTrainingSet(memberships, names, rows, {
      model: 'm@1',
      codec: { kind: 'float32' },
      inputDim: 2,
    })
    expect(set.classNames).toEqual(['apples', 'zebras'])
    expect(set.ids).toEqual(['p1', 'p2', 'p3'])
    expect(set.labels).toEqual([[0], [0, 1], [1]])
    expect(set.dim).toBe(2)
    expect([...set.features]).toEqual([1, 2, 3, 4, 5, 6])
  })
})

/**
 * A fake trainer. Its head removes the subjects' directions (a projection orthogonal to them), so in its
 * space photos of one subject are no closer than any others: the opposite of the visual space.
 */
function subjectBlindCompare(calls: LabelledSet[]): CompareFn {
  return async (set, current) => {
    calls.push(set)
    const dim = current.inputDim
    const basis: Float32Array[] = []
    for (const subject of ['red', 'blue', 'green']) {
      const v = Float32Array.from(subjectDirection(subject))
      for (const q of basis) {
        let dot = 0
        for (let d = 0; d < dim; d++) dot += v[d]! * q[d]!
        for (let d = 0; d < dim; d++) v[d]! -= dot * q[d]!
      }
      const norm = Math.hypot(...v)
      basis.push(v.map((x) => x / norm))
    }
    // W = (I − QQᵀ), first outputDim columns.
    const weights = new Float32Array(dim * current.outputDim)
    for (let r = 0; r < dim; r++)
      for (let c = 0; c < current.outputDim; c++) {
        let w = r === c ? 1 : 0
        for (const q of basis) w -= q[r]! * q[c]!
        weights[r * current.outputDim + c] = w
      }
    const head: Head = {
      ...current,
      version: 'arcface-test',
      kind: 'arcface',
      weights,
      bias: new Float32Array(current.outputDim),
      createdAt: '2026-02-02T00:00:00.000Z',
    }
    return {
      before: 0.5,
      after: 0.75,
      head,
      train: { settings: { epochs: 7 } },
      trainPhotos: Math.ceil(set.ids.length / 2),
      heldOutPhotos: Math.floor(set.ids.length / 2),
      seconds: 1,
    } as unknown as Comparison
  }
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)
const groupsOf = (groups: Array<{ paths: string[] }>) =>
  groups.map((g) => g.paths.map((p) => path.basename(p)).sort()).sort((a, b) => a[0]!.localeCompare(b[0]!))

describe('albums and training services (fakes)', () => {
  let world: FakeWorld
  afterEach(async () => {
    await world?.cleanup()
  })

  async function library(): Promise<{ engine: Engine; id: (name: string) => Promise<string> }> {
    world = await fakeWorld()
    await world.write(photoSet(['red', 'blue', 'green'], 4))
    const engine = await world.open()
    await engine.index([world.photosDir])
    const id = async (name: string) => (await engine.photoByPath(path.join(world.photosDir, name)))!.id
    return { engine, id }
  }

  it("suggests the unlabelled photos nearest an album's centre, its subject first", async () => {
    const { engine, id } = await library()
    const albums = await engine.albums()
    await albums.create('Reds')
    await albums.add('Reds', [await id('red-1.jpg'), await id('red-2.jpg')])
    await albums.create('Blues')
    await albums.add('Blues', [await id('blue-1.jpg')])
    const hits = await engine.suggest('Reds', 3)
    const names = await Promise.all(
      hits.map(async (h) => path.basename((await engine.store.get([h.id]))[0]!.path)),
    )
    expect(names.slice(0, 2).sort()).toEqual(['red-3.jpg', 'red-4.jpg'])
    // Photos in any album are never suggested.
    expect(names).not.toContain('blue-1.jpg')
    await albums.create('Empty')
    await expect(engine.suggest('Empty')).rejects.toThrow(/empty/)
  })

  it('exports albums by path and imports them back into another library', async () => {
    const { engine, id } = await library()
    const albums = await engine.albums()
    await albums.create('Greens')
    await albums.add('Greens', [await id('green-1.jpg'), await id('green-4.jpg')])
    const file = path.join(world.dir, 'albums.json')
    await engine.exportAlbums(file)
    expect(await fs.readFile(file, 'utf8')).toContain('green-4.jpg')
    await albums.delete('Greens')
    await engine.importAlbums(file)
    expect((await albums.members('Greens')).sort()).toEqual(
      [await id('green-1.jpg'), await id('green-4.jpg')].sort(),
    )
  })

  it('trains on the albums, saves the new head, and activates it only when accepted', async () => {
    const { engine, id } = await library()
    const albums = await engine.albums()
    for (const subject of ['red', 'blue']) {
      await albums.create(subject)
      await albums.add(subject, [
        await id(`${subject}-1.jpg`),
        await id(`${subject}-2.jpg`),
        await id(`${subject}-3.jpg`),
      ])
    }
    const calls: LabelledSet[] = []
    const training = trainingServiceOf(engine, subjectBlindCompare(calls))
    const pcaHead = engine.settings.activeHead
    const report = await training.train({ trainFraction: 0.6 })
    expect(calls[0]!.classNames).toEqual(['blue', 'red'])
    expect(calls[0]!.ids).toHaveLength(6)
    expect(calls[0]!.dim).toBe(FEATURE_DIM)
    expect(report).toMatchObject({ before: { 'mP@5': 0.5 }, after: { 'mP@5': 0.75 }, epochs: 7, albums: 2 })
    expect(report.accepted).toBe(false)
    expect(engine.settings.activeHead).toBe(pcaHead)
    expect((await engine.listHeads()).map((h) => [h.version, h.active])).toEqual([
      ['arcface-test', false],
      [pcaHead, true],
    ])

    // In the PCA space each subject's photos are near-duplicates of one another.
    const visual = groupsOf(await engine.duplicates('normal'))
    expect(visual).toContainEqual(['red-1.jpg', 'red-2.jpg', 'red-3.jpg', 'red-4.jpg'])

    // Accepted: the trained head becomes the library's, and every embedding is re-projected by it.
    await training.train({ accept: true })
    expect(engine.settings.activeHead).toBe('arcface-test')
    const [red1, red2] = await engine.store.get([await id('red-1.jpg'), await id('red-2.jpg')])
    expect(red1!.headVersion).toBe('arcface-test')
    // The trained space no longer puts same-subject photos together...
    expect(cosine(red1!.embedding!, red2!.embedding!)).toBeLessThan(0.6)
    // ...yet duplicates (and groups) are still found in the visual space: the same groups as before.
    expect(groupsOf(await engine.duplicates('normal'))).toEqual(visual)
    // Back to the PCA head by version.
    expect(await engine.useHead(pcaHead!)).toEqual({ reprojected: 12 })
    await expect(engine.useHead('nope')).rejects.toThrow(/no head "nope"/)
  })

  it('refuses to train with fewer than two albums with indexed photos', async () => {
    const { engine, id } = await library()
    const albums = await engine.albums()
    await albums.create('Only')
    await albums.add('Only', [await id('red-1.jpg')])
    await expect(trainingServiceOf(engine, subjectBlindCompare([])).train()).rejects.toThrow(
      /at least 2 albums.*is 1/,
    )
  })
})

/** A training service over an engine's parts, with a fake trainer in place of the worker. */
function trainingServiceOf(engine: Engine, compare: CompareFn): TrainingService {
  return new TrainingService({
    store: engine.store,
    heads: engine.heads,
    headsDir: engine.layout.heads,
    settings: {
      get: () => engine.settings,
      update: (patch) => engine.updateSettings(patch),
      assume: () => undefined,
    },
    serial: new Serial(),
    readOnly: false,
    albums: () => engine.albums(),
    matmul: async () => fakeMatMul(),
    installedPack: () => engine.installedPack(),
    compare,
  })
}

describe('head pointer recovery', () => {
  it('follows the head the rows carry; a read-only engine only assumes it', async () => {
    const rows = [{ headVersion: 'pca-b' }]
    const saved: string[] = []
    const make = (readOnly: boolean) => {
      const settings = new SettingsState({ ...defaultSettings(), activeHead: 'pca-a' }, async (s) => {
        saved.push(s.activeHead!)
      })
      const service = new TrainingService({
        store: { query: async () => rows } as never,
        heads: { versions: async () => ['pca-a', 'pca-b'] } as never,
        headsDir: '/none',
        settings,
        serial: new Serial(),
        readOnly,
        albums: async () => {
          throw new Error('not used')
        },
        matmul: async () => fakeMatMul(),
        installedPack: async () => ({ model: FAKE_MODEL, codec: { kind: 'float32' } }),
      })
      return { service, settings }
    }
    const writer = make(false)
    await writer.service.recoverHeadPointer()
    expect(writer.settings.get().activeHead).toBe('pca-b')
    expect(saved).toEqual(['pca-b'])
    const reader = make(true)
    await reader.service.recoverHeadPointer()
    expect(reader.settings.get().activeHead).toBe('pca-b')
    expect(saved).toEqual(['pca-b'])
  })
})
