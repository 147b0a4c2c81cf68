import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CATALOG, type CatalogEntry } from '../../../src/engine/models/catalog.js'
import { IntegrityError } from '../../../src/engine/models/download.js'
import {
  ensurePack,
  installPack,
  listPacks,
  openPack,
  PackDamagedError,
  PackNotInstalledError,
  PackUnavailableError,
} from '../../../src/engine/models/install.js'
import {
  TINY_CLIP_ID,
  tinyClipCatalogEntry,
  writeTinyClipPack,
  type TinyClipPack,
} from '../../fixtures/tiny-clip.js'
import { closedPort, startFileServer, type FileServer } from './support/file-server.js'

let root: string
let mirror: string
let pack: TinyClipPack
let servers: FileServer[] = []

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tessera-install-'))
  mirror = path.join(root, 'mirror')
  pack = await writeTinyClipPack(path.join(mirror, TINY_CLIP_ID))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

async function serve(opts: Parameters<typeof startFileServer>[1] = {}): Promise<FileServer> {
  const server = await startFileServer(mirror, opts)
  servers.push(server)
  return server
}

const newPacksDir = () => mkdtemp(path.join(root, 'packs-'))
const visible = async (packsDir: string) => (await readdir(packsDir)).filter((n) => !n.startsWith('.'))

describe('installPack', () => {
  it('installs the tiny CLIP pack from an http mirror: files, manifest, and nothing left over', async () => {
    const server = await serve()
    const packsDir = await newPacksDir()
    const entry = tinyClipCatalogEntry(pack, `${server.url}/${TINY_CLIP_ID}`)
    const progress: Array<[number, number]> = []
    const installed = await installPack(TINY_CLIP_ID, {
      packsDir,
      mirror: server.url,
      catalog: [entry],
      onProgress: (done, total) => progress.push([done, total]),
    })

    expect(installed.dir).toBe(path.join(packsDir, TINY_CLIP_ID))
    expect(installed.manifest).toEqual(pack.manifest)
    expect(JSON.parse(await readFile(path.join(installed.dir, 'manifest.json'), 'utf8'))).toEqual(
      pack.manifest,
    )
    expect((await readdir(installed.dir)).sort()).toEqual([
      'manifest.json',
      'text_model.onnx',
      'tokenizer.json',
      'vision_model.onnx',
    ])
    expect(await readdir(packsDir)).toEqual([TINY_CLIP_ID]) // no .tmp-*, no .downloads
    expect(server.requests.map((r) => r.path).sort()).toEqual(
      ['text_model.onnx', 'tokenizer.json', 'vision_model.onnx'].map((n) => `/${TINY_CLIP_ID}/${n}`),
    )
    const total = Object.values(pack.manifest.files).reduce((a, f) => a + f.size, 0)
    expect(progress.at(-1)).toEqual([total, total])

    await expect(openPack(packsDir, TINY_CLIP_ID)).resolves.toEqual(installed)
    const listed = await listPacks(packsDir, [entry])
    expect(listed).toEqual([
      expect.objectContaining({ id: TINY_CLIP_ID, installed: true, version: pack.manifest.version }),
    ])
  })

  it('holds mirror files to the catalog pins: the real CLIP hash refuses the tiny file and no pack appears', async () => {
    const server = await serve()
    const packsDir = await newPacksDir()
    // The built-in catalog pins the real vision_model.onnx size and sha256; the mirror serves the tiny one.
    const err = await installPack(TINY_CLIP_ID, { packsDir, mirror: server.url, catalog: CATALOG }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(IntegrityError)
    const pinned = CATALOG.find((e) => e.id === TINY_CLIP_ID)!.files[0]!
    expect((err as Error).message).toContain(`size expected ${pinned.size} bytes`)
    expect((err as Error).message).toContain(`got ${pack.manifest.files['vision_model.onnx']!.size} bytes`)
    expect(await visible(packsDir)).toEqual([])
    expect((await listPacks(packsDir)).find((p) => p.id === TINY_CLIP_ID)?.installed).toBe(false)
  })

  it('checks unpinned files against the mirror manifest, and refuses them without one', async () => {
    const packsDir = await newPacksDir()
    const withManifest = await serve()
    const entry = tinyClipCatalogEntry(pack, `${withManifest.url}/${TINY_CLIP_ID}`, [
      'text_model.onnx',
      'tokenizer.json',
    ])
    await installPack(TINY_CLIP_ID, { packsDir, mirror: withManifest.url, catalog: [entry] })
    expect(withManifest.requests[0]?.path).toBe(`/${TINY_CLIP_ID}/manifest.json`)
    await expect(openPack(packsDir, TINY_CLIP_ID)).resolves.toMatchObject({ manifest: pack.manifest })

    // A mirror folder without manifest.json: nothing vouches for text_model.onnx.
    const bare = path.join(root, 'bare-mirror')
    await writeTinyClipPack(path.join(bare, TINY_CLIP_ID))
    await rm(path.join(bare, TINY_CLIP_ID, 'manifest.json'))
    const packsDir2 = await newPacksDir()
    await expect(
      installPack(TINY_CLIP_ID, { packsDir: packsDir2, mirror: bare, catalog: [entry] }),
    ).rejects.toMatchObject({
      kind: 'unverifiable',
      message: expect.stringContaining('text_model.onnx has no pinned sha256'),
    })
    expect(await visible(packsDir2)).toEqual([])
  })

  it('verifies unpinned upstream files against the digest the server declares', async () => {
    const sums = pack.manifest.files
    const server = await serve({
      headHeaders: (file) => ({ 'x-linked-etag': `"${sums[path.basename(file)]!.sha256}"` }),
    })
    const packsDir = await newPacksDir()
    const entry = tinyClipCatalogEntry(pack, `${server.url}/${TINY_CLIP_ID}`, ['text_model.onnx'])
    await installPack(TINY_CLIP_ID, { packsDir, mirror: null, catalog: [entry] })
    expect(server.requests.filter((r) => r.method === 'HEAD').map((r) => r.path)).toEqual([
      `/${TINY_CLIP_ID}/text_model.onnx`,
    ])
  })

  it('leaves no pack after an interrupted download, then resumes it on the next try', async () => {
    const server = await serve({ cutAfter: { [`${TINY_CLIP_ID}/text_model.onnx`]: 40_000 } })
    const packsDir = await newPacksDir()
    const opts = {
      packsDir,
      mirror: server.url,
      catalog: [tinyClipCatalogEntry(pack, server.url)],
      retries: 0,
    }
    await expect(installPack(TINY_CLIP_ID, opts)).rejects.toMatchObject({ kind: 'interrupted' })
    expect(await visible(packsDir)).toEqual([])
    await expect(openPack(packsDir, TINY_CLIP_ID)).rejects.toBeInstanceOf(PackNotInstalledError)

    await installPack(TINY_CLIP_ID, opts)
    const textRequests = server.requests.filter((r) => r.path.endsWith('text_model.onnx'))
    expect(textRequests.map((r) => r.range)).toEqual([undefined, 'bytes=40000-'])
    // Files finished before the cut are not fetched again.
    expect(server.requests.filter((r) => r.path.endsWith('vision_model.onnx'))).toHaveLength(1)
    await expect(openPack(packsDir, TINY_CLIP_ID)).resolves.toMatchObject({ manifest: pack.manifest })
  })

  it('replaces an installed pack in one step', async () => {
    const server = await serve()
    const packsDir = await newPacksDir()
    const opts = { packsDir, mirror: server.url, catalog: [tinyClipCatalogEntry(pack, server.url)] }
    await installPack(TINY_CLIP_ID, opts)
    await writeFile(path.join(packsDir, TINY_CLIP_ID, 'stale.txt'), 'old')
    await installPack(TINY_CLIP_ID, opts)
    expect(existsSync(path.join(packsDir, TINY_CLIP_ID, 'stale.txt'))).toBe(false)
    expect(await readdir(packsDir)).toEqual([TINY_CLIP_ID])
  })

  it('rejects an unknown pack id by listing the known ones', async () => {
    await expect(installPack('nope', { packsDir: await newPacksDir(), mirror: null })).rejects.toThrow(
      'Unknown model pack "nope". Known packs: mobilenetv2-12-int8, clip-vit-b32, clip-vit-b32-q8.',
    )
  })
})

describe('openPack', () => {
  it('explains how to install a missing pack', async () => {
    const packsDir = await newPacksDir()
    const err = await openPack(packsDir, TINY_CLIP_ID).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PackNotInstalledError)
    expect((err as Error).message).toContain('run: tessera models download clip-vit-b32')
  })

  it('reports a corrupt file as damaged, with the fix', async () => {
    const server = await serve()
    const packsDir = await newPacksDir()
    await installPack(TINY_CLIP_ID, {
      packsDir,
      mirror: server.url,
      catalog: [tinyClipCatalogEntry(pack, server.url)],
    })
    const vocab = path.join(packsDir, TINY_CLIP_ID, 'tokenizer.json')
    await writeFile(vocab, (await readFile(vocab, 'utf8')).replace('"a"', '"A"'))

    const err = await openPack(packsDir, TINY_CLIP_ID).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PackDamagedError)
    expect((err as Error).message).toMatch(
      /tokenizer\.json .* is corrupt: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}\. To reinstall it, run: tessera models download clip-vit-b32$/,
    )
    // Without verification the manifest alone is read.
    await expect(openPack(packsDir, TINY_CLIP_ID, { verify: false })).resolves.toMatchObject({
      manifest: pack.manifest,
    })
  })
})

describe('ensurePack', () => {
  async function offlineEntry(): Promise<CatalogEntry> {
    return tinyClipCatalogEntry(pack, `http://127.0.0.1:${await closedPort()}`)
  }

  it('throws PackUnavailableError with a plain message when offline and without a mirror', async () => {
    const packsDir = await newPacksDir()
    const err = await ensurePack(packsDir, TINY_CLIP_ID, {
      mirror: null,
      catalog: [await offlineEntry()],
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PackUnavailableError)
    expect(err).toMatchObject({ packId: TINY_CLIP_ID, offline: true })
    expect((err as Error).message).toContain('could not be downloaded (no network connection and no mirror)')
    expect((err as Error).message).toContain('tessera models download clip-vit-b32')
    expect(await visible(packsDir)).toEqual([])
  })

  it('treats a mirror folder without the pack as unavailable too', async () => {
    const empty = await mkdtemp(path.join(root, 'empty-mirror-'))
    const err = await ensurePack(await newPacksDir(), TINY_CLIP_ID, {
      mirror: empty,
      catalog: [await offlineEntry()],
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'PackUnavailableError', offline: true })
    expect((err as Error).message).toContain(
      `(${path.join(empty, TINY_CLIP_ID, 'vision_model.onnx')} does not exist)`,
    )
  })

  it('never touches the network with download: false', async () => {
    const server = await serve()
    const err = await ensurePack(await newPacksDir(), TINY_CLIP_ID, {
      download: false,
      mirror: server.url,
      catalog: [tinyClipCatalogEntry(pack, server.url)],
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PackUnavailableError)
    expect(server.requests).toEqual([])
  })

  it('installs when it can, then opens the installed pack without downloading again', async () => {
    const server = await serve()
    const packsDir = await newPacksDir()
    const opts = { mirror: server.url, catalog: [tinyClipCatalogEntry(pack, server.url)] }
    await ensurePack(packsDir, TINY_CLIP_ID, opts)
    const count = server.requests.length
    await expect(ensurePack(packsDir, TINY_CLIP_ID, opts)).resolves.toMatchObject({ manifest: pack.manifest })
    expect(server.requests).toHaveLength(count)
  })
})
