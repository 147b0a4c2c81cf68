/**
 * The CLIP packs of the built-in catalog: every file pinned (public revision, size, sha256), and a real
 * install over HTTP from a local server laid out like the Hub at that revision, serving generated files
 * of the same names (the real towers are 150-600 MB and cannot be fetched here).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  CATALOG,
  CLIP_REPOSITORY,
  CLIP_REVISION,
  type CatalogEntry,
} from '../../../src/engine/models/catalog.js'
import { IntegrityError } from '../../../src/engine/models/download.js'
import { sha256File } from '../../../src/engine/models/hash.js'
import { installPack, openPack } from '../../../src/engine/models/install.js'
import { parseManifest } from '../../../src/engine/models/manifest.js'
import { writeTinyClipPack, type TinyClipPack } from '../../fixtures/tiny-clip.js'
import { startFileServer, type FileServer } from './support/file-server.js'

const clipEntries = CATALOG.filter((e) => e.manifest.text !== undefined)
const HUB = 'https://huggingface.co'

describe('the catalog pins every CLIP file', () => {
  it('offers the full pack and a smaller quantized one', () => {
    expect(clipEntries.map((e) => e.id).sort()).toEqual(['clip-vit-b32', 'clip-vit-b32-q8'])
    const mb = (id: string) => CATALOG.find((e) => e.id === id)!.downloadBytes / 1e6
    expect(mb('clip-vit-b32')).toBeGreaterThan(550)
    expect(mb('clip-vit-b32-q8')).toBeGreaterThan(130)
    expect(mb('clip-vit-b32-q8')).toBeLessThan(170)
  })

  for (const entry of clipEntries) {
    it(`${entry.id}: one public revision, a size and a sha256 for every file`, () => {
      expect(CLIP_REVISION).toMatch(/^[0-9a-f]{40}$/)
      for (const file of entry.files) {
        expect(file.url, file.name).toMatch(
          new RegExp(`^${HUB}/${CLIP_REPOSITORY}/resolve/${CLIP_REVISION}/`),
        )
        expect(file.url, file.name).not.toMatch(/\/resolve\/main\//)
        expect(file.sha256, file.name).toMatch(/^[0-9a-f]{64}$/)
        expect(Number.isInteger(file.size) && file.size! > 0, file.name).toBe(true)
      }
      expect(entry.downloadBytes).toBe(entry.files.reduce((s, f) => s + f.size!, 0))
      // The manifest it builds names only files it downloads, and validates.
      const files = Object.fromEntries(entry.files.map((f) => [f.name, { sha256: f.sha256!, size: f.size! }]))
      const manifest = parseManifest({ ...entry.manifest, files })
      expect(manifest.text?.tokenizerFile).toBe('tokenizer.json')
    })
  }

  it('pins the values published for that revision', () => {
    const pin = (id: string, name: string) =>
      CATALOG.find((e) => e.id === id)!.files.find((f) => f.name === name)
    expect(pin('clip-vit-b32', 'text_model.onnx')).toMatchObject({
      size: 254_058_553,
      sha256: '3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc',
    })
    expect(pin('clip-vit-b32', 'vision_model.onnx')?.size).toBe(351_685_709)
    expect(pin('clip-vit-b32-q8', 'text_model_quantized.onnx')?.size).toBe(64_504_507)
    expect(pin('clip-vit-b32-q8', 'tokenizer.json')?.size).toBe(2_224_119)
  })
})

describe('downloading a CLIP pack from a server laid out like the Hub', () => {
  let root: string
  let hub: string
  let tiny: TinyClipPack
  let server: FileServer
  /** Generated content for each upstream file name. */
  const content = new Map<string, Buffer>()

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tessera-clip-hub-'))
    tiny = await writeTinyClipPack(path.join(root, 'tiny'))
    const bytes = (name: string) => readFile(path.join(tiny.dir, name))
    for (const name of ['vision_model.onnx', 'vision_model_quantized.onnx'])
      content.set(name, await bytes('vision_model.onnx'))
    for (const name of ['text_model.onnx', 'text_model_quantized.onnx'])
      content.set(name, await bytes('text_model.onnx'))
    content.set('tokenizer.json', await bytes('tokenizer.json'))
    hub = path.join(root, 'hub')
    // Each catalog URL's path, under the server's root.
    for (const entry of clipEntries) {
      for (const file of entry.files) {
        const local = path.join(hub, new URL(file.url).pathname)
        await mkdir(path.dirname(local), { recursive: true })
        await writeFile(local, content.get(file.name)!)
      }
    }
    server = await startFileServer(hub)
  })

  afterAll(async () => {
    await server?.close()
    await rm(root, { recursive: true, force: true })
  })

  afterEach(() => {
    server.requests.length = 0
  })

  /** The real entry, pointed at the local server and pinned to the generated files (`tamper` alters pins). */
  async function localEntry(
    entry: CatalogEntry,
    tamper: (name: string) => { sha256?: string; size?: number } = () => ({}),
  ): Promise<CatalogEntry> {
    const files = []
    for (const f of entry.files) {
      const local = path.join(hub, new URL(f.url).pathname)
      const pinned = { sha256: await sha256File(local), size: content.get(f.name)!.byteLength }
      files.push({ ...f, url: f.url.replace(HUB, server.url), ...pinned, ...tamper(f.name) })
    }
    return { ...entry, files }
  }

  for (const real of clipEntries) {
    it(`${real.id}: fetches every file at the pinned revision, verifies it and installs the pack`, async () => {
      const packsDir = path.join(root, `packs-${real.id}`)
      const entry = await localEntry(real)
      const pack = await installPack(real.id, { packsDir, mirror: null, catalog: [entry] })
      expect((await readdir(pack.dir)).sort()).toEqual(
        [...real.files.map((f) => f.name), 'manifest.json'].sort(),
      )
      expect(
        server.requests
          .filter((r) => r.method === 'GET')
          .map((r) => r.path)
          .sort(),
      ).toEqual(real.files.map((f) => new URL(f.url).pathname).sort())
      for (const r of server.requests) expect(r.path).toContain(`/resolve/${CLIP_REVISION}/`)
      const opened = await openPack(packsDir, real.id)
      expect(opened.manifest.text).toMatchObject({ tokenizerFile: 'tokenizer.json', dim: 512 })
    })
  }

  it('refuses a file whose size or sha256 differs from the pin, and installs nothing', async () => {
    const real = clipEntries.find((e) => e.id === 'clip-vit-b32-q8')!
    const cases: Array<[string, (name: string) => { sha256?: string; size?: number }, RegExp]> = [
      [
        'size',
        (n) => (n === 'text_model_quantized.onnx' ? { size: content.get(n)!.byteLength + 1 } : {}),
        /size|bytes/i,
      ],
      ['sha256', (n) => (n === 'tokenizer.json' ? { sha256: 'f'.repeat(64) } : {}), /sha256/i],
    ]
    for (const [what, tamper, message] of cases) {
      const packsDir = path.join(root, `packs-bad-${what}`)
      const err = await installPack(real.id, {
        packsDir,
        mirror: null,
        catalog: [await localEntry(real, tamper)],
        retries: 0,
      }).catch((e: unknown) => e)
      expect(err, what).toBeInstanceOf(IntegrityError)
      expect((err as Error).message, what).toMatch(message)
      expect(
        (await readdir(packsDir)).filter((n) => !n.startsWith('.')),
        what,
      ).toEqual([])
    }
  })
})
