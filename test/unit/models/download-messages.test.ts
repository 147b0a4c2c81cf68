/** What the user reads when a pack cannot be downloaded: plain cause, what to do, no relative paths. */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findCatalogEntry, type CatalogEntry } from '../../../src/engine/models/catalog.js'
import { explainDownloadFailure, installPack } from '../../../src/engine/models/install.js'
import { closedPort } from './support/file-server.js'

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tessera-dl-msg-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const clip = findCatalogEntry('clip-vit-b32-q8')!

async function failure(entry: CatalogEntry, mirror: string | null): Promise<Error> {
  const err = await installPack(entry.id, {
    packsDir: path.join(root, 'packs'),
    mirror,
    catalog: [entry],
    retries: 0,
  }).catch((e: unknown) => e)
  const explained = explainDownloadFailure(entry, err, mirror ?? undefined)
  expect(explained.cause).toBe(err)
  return explained
}

describe('download failure messages', () => {
  it('offline without a mirror: says so and offers the mirror variable and importing a folder', async () => {
    const port = await closedPort()
    const entry = {
      ...clip,
      files: clip.files.map((f) => ({ ...f, url: `http://127.0.0.1:${port}/${f.name}` })),
    }
    const { message } = await failure(entry, null)
    expect(message).toMatch(
      /^CLIP ViT-B\/32, small \(int8\) could not be downloaded: there is no network connection\./,
    )
    expect(message).toContain('TESSERA_MODEL_MIRROR')
    expect(message).toContain('tessera models import FOLDER')
    expect(message).toContain('clip-vit-b32-q8/vision_model_quantized.onnx')
  })

  it('a relative mirror folder without the pack: names the folder absolutely, never a relative path', async () => {
    const empty = path.join(root, 'empty-mirror')
    const relative = path.relative(process.cwd(), empty)
    expect(path.isAbsolute(relative)).toBe(false)
    const { message } = await failure(clip, relative)
    expect(message).toContain('has no vision_model_quantized.onnx for this pack')
    expect(message).toContain(`the model mirror ${empty} has no`)
    expect(message).not.toContain(` ${relative}`)
    // The technical cause names the absolute location it looked in.
    const { cause } = await failure(clip, relative)
    expect((cause as Error).message).toContain(
      path.join(empty, 'clip-vit-b32-q8', 'vision_model_quantized.onnx'),
    )
    expect((cause as Error).message).not.toMatch(new RegExp(`(^|\\s)${relative.replaceAll('.', '\\.')}`))
  })
})
