import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DownloadError, downloadFile, IntegrityError } from '../../../src/engine/models/download.js'
import { gitBlobSha1File } from '../../../src/engine/models/hash.js'
import { fetchHubDigest } from '../../../src/engine/models/hub-digest.js'
import { mirrorLocation } from '../../../src/engine/models/mirror.js'
import { TINY_CLIP_ID, writeTinyClipPack, type TinyClipPack } from '../../fixtures/tiny-clip.js'
import { closedPort, startFileServer, type FileServer } from './support/file-server.js'

let root: string
let mirror: string
let pack: TinyClipPack
let servers: FileServer[] = []

// The text tower is the biggest tiny file (~118 KB): room to cut it mid-way.
const BIG = 'text_model.onnx'
const CUT = 50_000

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tessera-download-'))
  mirror = path.join(root, 'mirror')
  pack = await writeTinyClipPack(path.join(mirror, TINY_CLIP_ID))
  expect(pack.manifest.files[BIG]!.size).toBeGreaterThan(2 * CUT)
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

async function serve(opts: Parameters<typeof startFileServer>[1] = {}): Promise<FileServer> {
  const server = await startFileServer(path.join(mirror, TINY_CLIP_ID), opts)
  servers.push(server)
  return server
}

let n = 0
const freshDest = (name = BIG) => path.join(root, `out-${++n}`, name)
const expected = (name = BIG) => pack.manifest.files[name]!

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
}

describe('downloadFile over http', () => {
  it('reports progress up to the full size and verifies the result', async () => {
    const server = await serve()
    const dest = freshDest()
    const events: Array<[number, number | undefined]> = []
    const result = await downloadFile({
      url: `${server.url}/${BIG}`,
      dest,
      sha256: expected().sha256,
      onProgress: (d, t) => events.push([d, t]),
    })

    expect(result).toEqual({ path: dest, sha256: expected().sha256, size: expected().size })
    expect(await sha256Of(dest)).toBe(expected().sha256)
    expect(existsSync(`${dest}.partial`)).toBe(false)
    expect(events.length).toBeGreaterThan(1)
    expect(events.at(-1)).toEqual([expected().size, expected().size])
    for (let i = 1; i < events.length; i++) expect(events[i]![0]).toBeGreaterThanOrEqual(events[i - 1]![0])
  })

  it('resumes with a Range request after the server cuts the connection', async () => {
    const server = await serve({ cutAfter: { [BIG]: CUT } })
    const dest = freshDest()
    const url = `${server.url}/${BIG}`

    const first = downloadFile({ url, dest, sha256: expected().sha256, retries: 0 })
    await expect(first).rejects.toMatchObject({ name: 'DownloadError', kind: 'interrupted' })
    expect((await stat(`${dest}.partial`)).size).toBe(CUT)
    expect(existsSync(dest)).toBe(false)

    await downloadFile({ url, dest, sha256: expected().sha256, retries: 0 })
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [`bytes=${CUT}-`, 206],
    ])
    expect(await sha256Of(dest)).toBe(expected().sha256)
    expect(existsSync(`${dest}.partial`)).toBe(false)
  })

  it('resumes by itself within one call when retries are allowed', async () => {
    const server = await serve({ cutAfter: { [BIG]: CUT } })
    const dest = freshDest()
    const events: number[] = []
    await downloadFile({
      url: `${server.url}/${BIG}`,
      dest,
      sha256: expected().sha256,
      retryDelayMs: 10,
      onProgress: (d) => events.push(d),
    })
    expect(server.requests[1]?.range).toBe(`bytes=${CUT}-`)
    expect(await sha256Of(dest)).toBe(expected().sha256)
    // Progress after the resume starts from the bytes already on disk, not from 0.
    const afterCut = events.slice(events.indexOf(CUT) + 1)
    expect(Math.min(...afterCut)).toBeGreaterThanOrEqual(CUT)
  })

  it('starts over when the server ignores Range', async () => {
    const cutting = await serve({ cutAfter: { [BIG]: CUT } })
    const dest = freshDest()
    await expect(downloadFile({ url: `${cutting.url}/${BIG}`, dest, retries: 0 })).rejects.toBeInstanceOf(
      DownloadError,
    )

    const ignoring = await serve({ ignoreRange: true })
    const result = await downloadFile({
      url: `${ignoring.url}/${BIG}`,
      dest,
      sha256: expected().sha256,
      retries: 0,
    })
    expect(ignoring.requests).toEqual([expect.objectContaining({ range: `bytes=${CUT}-`, status: 200 })])
    // Not the partial bytes plus the whole file: exactly the file.
    expect(result.size).toBe(expected().size)
    expect(await sha256Of(dest)).toBe(expected().sha256)
  })

  it('refuses a file whose sha256 does not match, says so, and leaves nothing behind', async () => {
    const server = await serve()
    const dest = freshDest()
    const wrong = 'ab'.repeat(32)
    const url = `${server.url}/${BIG}`
    const err = await downloadFile({ url, dest, sha256: wrong }).catch((e: unknown) => e)

    expect(err).toBeInstanceOf(IntegrityError)
    const message = (err as Error).message
    expect(message).toContain(wrong)
    expect(message).toContain(expected().sha256)
    expect(message).toContain(url)
    expect(existsSync(dest)).toBe(false)
    expect(existsSync(`${dest}.partial`)).toBe(false)
  })

  it('refuses a file of the wrong size', async () => {
    const server = await serve()
    const dest = freshDest()
    const err = await downloadFile({ url: `${server.url}/${BIG}`, dest, size: expected().size + 1 }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(IntegrityError)
    expect((err as Error).message).toContain(`${expected().size + 1} bytes`)
    expect(existsSync(dest)).toBe(false)
  })

  it('skips the download when the destination already holds the right file', async () => {
    const server = await serve()
    const dest = freshDest()
    await downloadFile({ url: `${server.url}/${BIG}`, dest, sha256: expected().sha256 })
    await downloadFile({ url: `${server.url}/${BIG}`, dest, sha256: expected().sha256 })
    expect(server.requests).toHaveLength(1)
  })

  it('says "offline" when nothing answers, and "not-found" on 404', async () => {
    const port = await closedPort()
    await expect(
      downloadFile({ url: `http://127.0.0.1:${port}/${BIG}`, dest: freshDest() }),
    ).rejects.toMatchObject({ kind: 'offline' })
    const server = await serve()
    await expect(downloadFile({ url: `${server.url}/nope.onnx`, dest: freshDest() })).rejects.toMatchObject({
      kind: 'not-found',
    })
  })

  it('stops when aborted, without leaving a file in place', async () => {
    const server = await serve()
    const controller = new AbortController()
    const dest = freshDest()
    const run = downloadFile({
      url: `${server.url}/${BIG}`,
      dest,
      signal: controller.signal,
      onProgress: (done) => {
        if (done > 0) controller.abort()
      },
    })
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(existsSync(dest)).toBe(false)
  })
})

describe('downloadFile from a mirror folder', () => {
  it('copies <mirror>/<id>/<name> by path and by file:// URL, verified the same way', async () => {
    const src = mirrorLocation(mirror, TINY_CLIP_ID, BIG)
    expect(src).toBe(path.join(mirror, TINY_CLIP_ID, BIG))
    for (const url of [src, pathToFileURL(src).href]) {
      const dest = freshDest()
      const events: number[] = []
      await downloadFile({ url, dest, sha256: expected().sha256, onProgress: (d) => events.push(d) })
      expect(await sha256Of(dest)).toBe(expected().sha256)
      expect(events.at(-1)).toBe(expected().size)
    }
  })

  it('refuses a mirror file with the wrong sha256', async () => {
    const dest = freshDest()
    const src = mirrorLocation(mirror, TINY_CLIP_ID, BIG)
    await expect(downloadFile({ url: src, dest, sha256: '0'.repeat(64) })).rejects.toThrow(
      /expected 0{64}, got [0-9a-f]{64}/,
    )
    expect(existsSync(dest)).toBe(false)
    expect(existsSync(`${dest}.partial`)).toBe(false)
  })

  it('says "not-found" for a file the mirror does not have', async () => {
    await expect(
      downloadFile({ url: mirrorLocation(mirror, 'other-pack', BIG), dest: freshDest() }),
    ).rejects.toMatchObject({
      kind: 'not-found',
    })
  })
})

describe('checksums declared by the Hub', () => {
  it('reads the LFS sha256 from x-linked-etag on the redirect', async () => {
    const server = await serve({
      headHeaders: (file) => ({
        'x-linked-etag': `"${pack.manifest.files[file]!.sha256}"`,
        'x-linked-size': String(pack.manifest.files[file]!.size),
      }),
    })
    expect(await fetchHubDigest(`${server.url}/${BIG}`)).toEqual({
      sha256: expected().sha256,
      size: expected().size,
    })
  })

  it('reads a git blob SHA-1 ETag for small files, and downloadFile checks it', async () => {
    const vocab = path.join(mirror, TINY_CLIP_ID, 'tokenizer.json')
    const blob = await gitBlobSha1File(vocab)
    const server = await serve({ headHeaders: () => ({ etag: `"${blob}"` }) })
    const digest = await fetchHubDigest(`${server.url}/tokenizer.json`)
    expect(digest).toEqual({ gitBlobSha1: blob })

    const dest = freshDest('tokenizer.json')
    await downloadFile({ url: `${server.url}/tokenizer.json`, dest, gitBlobSha1: digest.gitBlobSha1 })
    expect(await readFile(dest)).toEqual(await readFile(vocab))
    await expect(
      downloadFile({
        url: `${server.url}/tokenizer.json`,
        dest: freshDest('tokenizer.json'),
        gitBlobSha1: 'f'.repeat(40),
      }),
    ).rejects.toThrow(/git blob SHA-1 expected f{40}/)
  })

  it('refuses a file for which the server declares no checksum', async () => {
    const server = await serve({ headHeaders: () => ({ etag: 'W/"not-a-digest"' }) })
    await expect(fetchHubDigest(`${server.url}/${BIG}`)).rejects.toMatchObject({ kind: 'unverifiable' })
  })
})
