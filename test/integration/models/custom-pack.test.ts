import fs from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import { copyPhotos, MIRROR, seedPhotos, tempDir } from '../support.js'

/** A custom pack made from the installed default one under a new id: imported, verified, used. */
describe('custom model packs', () => {
  let engine: Engine
  let dir: string
  let photos: string
  let custom: string

  beforeAll(async () => {
    dir = await tempDir('custom-pack')
    photos = path.join(dir, 'photos')
    await copyPhotos(await seedPhotos(2), photos)
    engine = await Engine.open({ libraryDir: path.join(dir, 'lib'), modelMirror: MIRROR })
    await engine.index([photos])
    custom = path.join(dir, 'my-pack')
    await fs.cp(path.join(engine.layout.packs, 'mobilenetv2-12-int8'), custom, { recursive: true })
    const manifest = JSON.parse(await fs.readFile(path.join(custom, 'manifest.json'), 'utf8'))
    await fs.writeFile(
      path.join(custom, 'manifest.json'),
      JSON.stringify({ ...manifest, id: 'my-mobilenet', name: 'My MobileNet' }),
    )
  })

  afterAll(async () => {
    await engine?.close()
  })

  it('imports a folder, lists it as custom, and re-embeds the library with it', async () => {
    expect(await engine.importModel(custom)).toBe('my-mobilenet')
    const listed = (await engine.listModels()).find((p) => p.id === 'my-mobilenet')
    expect(listed).toMatchObject({ installed: true, custom: true, text: false, title: 'My MobileNet' })
    await engine.useModel('my-mobilenet')
    expect(engine.settings.model).toBe('my-mobilenet')
    await engine.index()
    const rows = await engine.store.query(`status = 'ok'`, ['featureModel', 'embedding'])
    expect(rows.length).toBe(10)
    expect(rows.every((r) => r.featureModel?.startsWith('my-mobilenet@') && r.embedding)).toBe(true)
    const [first] = await engine.store.query(`status = 'ok'`, ['path'], 1)
    expect(await engine.similar(first!.path, 3)).toHaveLength(3)
  })

  it('refuses a built-in id, a corrupt file and a folder without a manifest, installing nothing', async () => {
    const fake = path.join(dir, 'fake-builtin')
    await fs.cp(custom, fake, { recursive: true })
    const manifest = JSON.parse(await fs.readFile(path.join(fake, 'manifest.json'), 'utf8'))
    await fs.writeFile(path.join(fake, 'manifest.json'), JSON.stringify({ ...manifest, id: 'clip-vit-b32' }))
    await expect(engine.importModel(fake)).rejects.toThrow(/built-in pack's id/)

    const corrupt = path.join(dir, 'corrupt')
    await fs.cp(custom, corrupt, { recursive: true })
    await fs.writeFile(
      path.join(corrupt, 'manifest.json'),
      JSON.stringify({ ...manifest, id: 'broken-pack' }),
    )
    const onnx = path.join(corrupt, manifest.visual.file)
    const bytes = await fs.readFile(onnx)
    bytes[bytes.length >> 1]! ^= 0xff
    await fs.writeFile(onnx, bytes)
    await expect(engine.importModel(corrupt)).rejects.toThrow(/corrupt: expected sha256/)

    await expect(engine.importModel(photos)).rejects.toThrow(/manifest/)
    await expect(engine.importModel(path.join(dir, 'nowhere'))).rejects.toThrow(/not a folder/)
    // A relative path would resolve against the host's working folder: refused whatever it names.
    await expect(engine.importModel(path.relative(process.cwd(), custom))).rejects.toThrow(
      /not an absolute path/,
    )
    const ids = (await engine.listModels()).map((p) => p.id)
    expect(ids).not.toContain('broken-pack')
    expect((await fs.readdir(engine.layout.packs)).filter((f) => f.startsWith('.import-'))).toEqual([])
  })
})
