import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineService } from '../../../src/host/engine-service.js'
import { parseCall, type EngineEvent } from '../../../src/shared/contract.js'
import { copyPhotos, MIRROR, seedPhotos, tempDir, waitFor } from '../support.js'

/**
 * The engine host as the interface uses it: every call goes through the contract's validation, on a real
 * library of seed photos (real decoding, ONNX, LanceDB, trash).
 */
describe('EngineService over the contract', () => {
  let service: EngineService
  let photos: string
  let trashDir: string
  const events: EngineEvent[] = []

  async function call(method: string, ...args: unknown[]): Promise<unknown> {
    const parsed = parseCall(method, args)
    return service.call(parsed.method, parsed.args)
  }

  beforeAll(async () => {
    const dir = await tempDir('host')
    photos = path.join(dir, 'photos')
    trashDir = path.join(dir, 'trash')
    process.env.TESSERA_TRASH_DIR = trashDir
    const files = await copyPhotos(await seedPhotos(6), photos)
    // One exact copy, to be found as a duplicate.
    await fs.copyFile(files[0]!, path.join(photos, 'copy-of-first.jpg'))
    await fs.writeFile(path.join(photos, 'broken.jpg'), 'not a jpeg at all')
    service = await EngineService.open({
      libraryDir: path.join(dir, 'lib'),
      modelMirror: MIRROR,
      mode: 'browser',
    })
    service.subscribe((e) => events.push(e))
    await call('roots.add', [photos])
    await waitFor(
      'indexing to finish',
      async () => events.some((e) => e.type === 'index' && !e.state.running && e.state.last !== null),
      170_000,
    )
  })

  afterAll(async () => {
    await service?.close()
    delete process.env.TESSERA_TRASH_DIR
  })

  it('indexes the added folder, reporting progress with the provider and a rate', async () => {
    const progress = events.filter((e) => e.type === 'index' && e.state.phase === 'index')
    expect(progress.length).toBeGreaterThan(0)
    const done = events.findLast((e) => e.type === 'index')
    expect(done?.type === 'index' && done.state.last).toMatchObject({ failed: 1, error: null })
    const status = (await call('library.status')) as { photos: number; failed: number; embedded: number }
    expect(status).toMatchObject({ photos: 32, failed: 1, embedded: 31 })
    expect(events.some((e) => e.type === 'library')).toBe(true)
  })

  it('lists the timeline newest first, details a photo, and the problem in plain words', async () => {
    const timeline = (await call('library.timeline')) as { ids: string[]; takenAt: Array<number | null> }
    expect(timeline.ids).toHaveLength(31)
    const dated = timeline.takenAt.filter((t): t is number => t !== null)
    expect(dated).toEqual([...dated].sort((a, b) => b - a))
    const photo = (await call('library.photo', timeline.ids[0])) as { path: string; folder: string }
    expect(photo.folder).toBe(photos)
    const problems = (await call('library.problems')) as Array<{ path: string; reason: string }>
    expect(problems).toHaveLength(1)
    expect(problems[0]!.path).toMatch(/broken\.jpg$/)
    expect(problems[0]!.reason.length).toBeGreaterThan(10)
  })

  it('finds similar photos (not the photo itself) and the exact copy, trashes and undoes', async () => {
    const { ids } = (await call('library.timeline')) as { ids: string[] }
    const hits = (await call('search.similar', ids[0], 5, {})) as Array<{ id: string }>
    expect(hits).toHaveLength(5)
    expect(hits.map((h) => h.id)).not.toContain(ids[0])

    const groups = (await call('dupes.find', 'normal', false)) as Array<{
      kind: string
      keep: string
      photos: Array<{ id: string; path: string }>
    }>
    const exact = groups.find((g) => g.kind === 'exact')!
    expect(exact.photos).toHaveLength(2)
    const extra = exact.photos.find((p) => p.id !== exact.keep)!
    const trashed = (await call('trash.photos', [extra.id])) as { moved: number }
    expect(trashed.moved).toBe(1)
    await expect(fs.access(extra.path)).rejects.toThrow()
    expect(((await call('library.status')) as { canUndo: boolean }).canUndo).toBe(true)
    const undone = (await call('trash.undo')) as { restored: number }
    expect(undone.restored).toBe(1)
    await fs.access(extra.path)
  })

  it('manages albums, suggests members, trains a head and switches to it', async () => {
    const rows = await Promise.all(
      ((await call('library.timeline')) as { ids: string[] }).ids.map(
        async (id) => (await call('library.photo', id)) as { id: string; name: string },
      ),
    )
    const byClass = new Map<string, string[]>()
    for (const r of rows) {
      const cls = r.name.split('-')[0]!
      if (r.name.startsWith('copy-of')) continue
      byClass.set(cls, [...(byClass.get(cls) ?? []), r.id])
    }
    const classes = [...byClass.keys()].sort()
    for (const cls of classes) {
      const album = (await call('albums.create', cls)) as { id: string }
      await call('albums.add', album.id, byClass.get(cls)!.slice(0, 4))
    }
    const albums = (await call('albums.list')) as Array<{ name: string; count: number }>
    expect(albums.map((a) => [a.name, a.count])).toEqual(classes.map((c) => [c, 4]))
    await expect(call('albums.create', classes[0])).rejects.toThrow(/already/i)
    const suggestions = (await call('albums.suggest', classes[0], 3)) as Array<{ id: string }>
    expect(suggestions).toHaveLength(3)

    events.length = 0
    expect(await call('train.start', { epochs: 30 })).toEqual({ started: true })
    const done = await waitFor(
      'training',
      async () =>
        events.find((e) => e.type === 'train' && (e.state.phase === 'done' || e.state.phase === 'failed')),
      120_000,
    )
    if (done.type !== 'train' || done.state.phase !== 'done') throw new Error(JSON.stringify(done))
    expect(events.some((e) => e.type === 'train' && e.state.phase === 'running')).toBe(true)
    expect(done.state.result.heldOutPhotos).toBeGreaterThan(0)
    const version = done.state.result.headVersion
    expect(
      ((await call('heads.list')) as Array<{ version: string; active: boolean }>).find(
        (h) => h.version === version,
      ),
    ).toMatchObject({ active: false })
    const used = (await call('heads.use', version)) as { reprojected: number }
    expect(used.reprojected).toBe(31)
    expect(
      ((await call('heads.list')) as Array<{ version: string; active: boolean }>).find(
        (h) => h.version === version,
      ),
    ).toMatchObject({ active: true })
  })

  it('lays out the map (cached for the same embeddings) and lists groups', async () => {
    events.length = 0
    // Two views asking at once share one layout job.
    const [first, twin] = (await Promise.all([call('map.layout'), call('map.layout')])) as Array<{
      ids: string[]
      xy: number[]
    }>
    expect(twin).toBe(first)
    const mapEvents = events.filter((e) => e.type === 'map')
    expect(mapEvents.filter((e) => e.phase === 'done')).toHaveLength(1)
    // One run's progress: it never goes back.
    const progress = mapEvents.flatMap((e) => (e.phase === 'running' ? [e.progress] : []))
    expect(progress.length).toBeGreaterThan(0)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    if (!first) throw new Error('no layout')
    expect(first.ids).toHaveLength(31)
    expect(first.xy).toHaveLength(62)
    expect(first.xy.every((v) => v >= 0 && v <= 1)).toBe(true)
    const again = (await call('map.layout')) as { xy: number[] }
    expect(again.xy).toEqual(first.xy)
    const groups = (await call('groups.list')) as { groups: unknown[]; ungrouped: number }
    expect(groups.groups.length + groups.ungrouped).toBeGreaterThan(0)
  })

  it('searches by words with the built-in model (CLIP text only with CLIP), and refuses bad arguments before the engine', async () => {
    const caps = (await call('search.capabilities')) as { text: boolean; hint: string | null }
    expect(caps.text).toBe(true)
    const words = (await call('search.words', 'a dog', 10, {})) as {
      mode: string
      terms: Array<{ word: string }>
      hits: Array<{ id: string }>
    }
    expect(words.mode).toBe('labels')
    expect(words.terms.map((t) => t.word)).toEqual(['dog'])
    for (const h of words.hits.slice(0, 1)) expect(Array.isArray(await call('search.tags', h.id))).toBe(true)
    await expect(call('search.text', 'a dog', 10, {})).rejects.toMatchObject({ code: 'no-text-tower' })
    expect(() => parseCall('library.photo', ['../../etc/passwd'])).toThrow(/not a photo id/)
    expect(() => parseCall('albums.create', [''])).toThrow(/needs a name/)
    expect(() => parseCall('search.similar', ['x', 5])).toThrow(/Invalid arguments/)
    expect(() => parseCall('fs.readFile', [])).toThrow(/Unknown method/)
    expect(() => parseCall('__proto__', [])).toThrow(/Unknown method/)
  })

  it('serves media only from the roots and the thumbnail cache', async () => {
    const { ids } = (await call('library.timeline')) as { ids: string[] }
    const media = service.media()
    const photo = await media.photoPath(ids[0]!)
    expect(photo?.path.startsWith(photos)).toBe(true)
    const thumb = await media.thumbPath(ids[0]!)
    expect(thumb?.startsWith(media.thumbsDir)).toBe(true)
    await fs.access(thumb!)
    expect(await media.photoPath('00000000-0000-4000-8000-000000000000')).toBeNull()
    expect(media.roots()).toEqual([photos])
  })

  it('stops a rescan when asked, and reports it as stopped', async () => {
    events.length = 0
    let cancelled: Promise<unknown> | undefined
    // Cancel from inside the run: when the engine says it is looking for photos.
    const off = service.subscribe((e) => {
      if (!cancelled && e.type === 'index' && e.state.running && e.state.message === 'Looking for photos')
        cancelled = call('index.cancel')
    })
    expect(await call('index.start')).toEqual({ started: true })
    const end = await waitFor(
      'the rescan to end',
      async () => events.find((e) => e.type === 'index' && !e.state.running),
      60_000,
    )
    off()
    expect(await cancelled).toEqual({ cancelled: true })
    expect(end.type === 'index' && end.state.last).toEqual({
      indexed: 0,
      failed: 0,
      seconds: 0,
      error: 'Stopped.',
    })
    expect(await call('index.cancel')).toEqual({ cancelled: false })
    const status = (await call('library.status')) as { photos: number; indexing: { running: boolean } }
    expect(status).toMatchObject({ photos: 32, indexing: { running: false } })
  })
})
