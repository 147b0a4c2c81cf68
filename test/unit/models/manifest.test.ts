import { readFile, rm, writeFile, mkdtemp, truncate, open } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ManifestError,
  PackIntegrityError,
  parseManifest,
  readManifest,
  verifyPackFiles,
} from '../../../src/engine/models/manifest.js'
import { writeTinyClipPack, type TinyClipPack } from '../../fixtures/tiny-clip.js'

let root: string
let pack: TinyClipPack

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tessera-manifest-'))
  pack = await writeTinyClipPack(path.join(root, 'pack'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

// The tests reshape parsed JSON freely, as a hand-edited manifest would be.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

/** The tiny pack's manifest with one change, as parsed JSON. */
function variant(change: (m: Json) => void): unknown {
  const m = JSON.parse(JSON.stringify(pack.manifest)) as Json
  change(m)
  return m
}

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError)
    return (err as Error).message
  }
  throw new Error('expected a ManifestError')
}

describe('readManifest', () => {
  it('reads a valid manifest', async () => {
    const m = await readManifest(pack.dir)
    expect(m).toEqual(pack.manifest)
    expect(m.visual.codec).toEqual({ kind: 'float32' })
  })

  it('says plainly when manifest.json is missing', async () => {
    const dir = path.join(root, 'empty')
    const err = await readManifest(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ManifestError)
    expect(err).toMatchObject({ kind: 'missing' })
    expect((err as Error).message).toBe(
      `The model pack manifest ${path.join(dir, 'manifest.json')} does not exist.`,
    )
  })

  it('says plainly when manifest.json is not JSON', async () => {
    const dir = await mkdtemp(path.join(root, 'bad-json-'))
    await writeFile(path.join(dir, 'manifest.json'), '{ "id": "x", ')
    await expect(readManifest(dir)).rejects.toMatchObject({
      kind: 'invalid-json',
      message: expect.stringContaining('is not valid JSON'),
    })
  })

  it('names the field that is wrong', async () => {
    const dir = await mkdtemp(path.join(root, 'bad-field-'))
    await writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify(variant((m) => (m.visual.inputSize = '224'))),
    )
    const err = await readManifest(dir).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'invalid' })
    expect((err as Error).message).toMatch(
      /manifest\.json is not a valid model pack manifest: visual\.inputSize: .*expected number/,
    )
  })
})

describe('parseManifest', () => {
  it.each([
    ['missing id', (m: Json) => delete m.id, /^.* id: /],
    ['unknown codec', (m: Json) => (m.visual.codec = { kind: 'int4' }), /visual\.codec\.kind/],
    ['zero std', (m: Json) => (m.visual.std = [0.2, 0, 0.2]), /visual\.std\[1\]/],
    [
      'negative scale',
      (m: Json) => (m.visual.codec = { kind: 'uint8-affine', scale: -1, zeroPoint: 0 }),
      /visual\.codec\.scale: must be greater than 0/,
    ],
    ['layout', (m: Json) => (m.visual.layout = 'CHW'), /visual\.layout/],
    [
      'short hash',
      (m: Json) => (m.files['tokenizer.json'].sha256 = 'abc'),
      /files\["tokenizer\.json"\]\.sha256: must be a sha256/,
    ],
    [
      'file outside the pack',
      (m: Json) => (m.visual.file = '../visual.onnx'),
      /visual\.file: must be a plain file name/,
    ],
    [
      'unlisted model file',
      (m: Json) => delete m.files['vision_model.onnx'],
      /visual\.file: "vision_model\.onnx" is not listed in "files"/,
    ],
    [
      'traversal in files',
      (m: Json) => (m.files['../x'] = { sha256: 'a'.repeat(64), size: 1 }),
      /files\["\.\.\/x"\]: must be a plain file name/,
    ],
  ])('rejects %s', (_name, change, pattern) => {
    expect(messageOf(() => parseManifest(variant(change)))).toMatch(pattern)
  })

  it('lists every problem at once', () => {
    const message = messageOf(() =>
      parseManifest(variant((m) => ((m.visual.dim = 0), (m.text.contextLength = 1.5)))),
    )
    expect(message).toContain('visual.dim')
    expect(message).toContain('text.contextLength')
  })
})

describe('verifyPackFiles', () => {
  async function copyOfPack(): Promise<string> {
    const dir = await mkdtemp(path.join(root, 'copy-'))
    for (const name of [...Object.keys(pack.manifest.files), 'manifest.json']) {
      await writeFile(path.join(dir, name), await readFile(path.join(pack.dir, name)))
    }
    return dir
  }

  it('accepts an intact pack', async () => {
    await expect(verifyPackFiles(pack.dir, pack.manifest)).resolves.toBeUndefined()
  })

  it('names the corrupt file with expected and actual sha256', async () => {
    const dir = await copyOfPack()
    const file = path.join(dir, 'text_model.onnx')
    const handle = await open(file, 'r+')
    await handle.write(Buffer.from([0xff, 0xfe]), 0, 2, 1000) // same size, different bytes
    await handle.close()
    const err = await verifyPackFiles(dir, pack.manifest).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PackIntegrityError)
    const want = pack.manifest.files['text_model.onnx']!.sha256
    expect(err).toMatchObject({ file: 'text_model.onnx', expected: want })
    expect((err as PackIntegrityError).actual).toMatch(/^[0-9a-f]{64}$/)
    expect((err as Error).message).toBe(
      `Pack file text_model.onnx in ${dir} is corrupt: expected sha256 ${want}, got ${(err as PackIntegrityError).actual}.`,
    )
  })

  it('reports a truncated file by its size, and a missing one as missing', async () => {
    const dir = await copyOfPack()
    await truncate(path.join(dir, 'tokenizer.json'), 3)
    await expect(verifyPackFiles(dir, pack.manifest)).rejects.toThrow(
      `Pack file tokenizer.json in ${dir} has the wrong size`,
    )
    await rm(path.join(dir, 'tokenizer.json'))
    await expect(verifyPackFiles(dir, pack.manifest)).rejects.toThrow(
      `Pack file tokenizer.json is missing from ${dir}.`,
    )
  })
})
