import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DecodeError } from '../../../src/engine/decode/decode-error.js'
import { decodePhoto } from '../../../src/engine/decode/decode-photo.js'
import { closeHeicWorkers } from '../../../src/engine/decode/heic-worker-pool.js'
import { readPhotoFile } from '../../../src/engine/decode/read-photo-file.js'
import {
  HEIC_FIXTURE,
  SEED_JPEG,
  pseudoRandomBytes,
  writeBadInputs,
  type BadInput,
} from '../../fixtures/bad-inputs.js'

const S = 224

/** Reads and decodes like the indexer does; returns the DecodeError, or null when the file decoded. */
async function outcome(file: string): Promise<DecodeError | null> {
  try {
    const buf = await readPhotoFile(file)
    const decoded = await decodePhoto(buf, { inputSize: S, name: path.basename(file) })
    expect(decoded.modelInput.length).toBe(S * S * 3)
    return null
  } catch (error) {
    if (error instanceof DecodeError) return error
    throw error
  }
}

function expectPlainReason(error: DecodeError): void {
  expect(error.reason.length).toBeGreaterThan(15)
  expect(error.reason).toMatch(/^[A-Z].*[.)]$/)
  // Nothing from the decoders' vocabulary leaks into what a person reads.
  expect(error.reason).not.toMatch(/vips|libheif|libpng|ENOENT|EISDIR|ELOOP|undefined|Error:/)
}

describe('bad inputs', () => {
  let dir: string
  let inputs: BadInput[]
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-bad-inputs-'))
    inputs = await writeBadInputs(dir)
  })
  afterAll(async () => {
    await closeHeicWorkers()
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('covers every error code and the awkward good files', () => {
    const codes = new Set(inputs.map((i) => i.code))
    for (const code of [
      'empty',
      'truncated',
      'corrupt',
      'not-an-image',
      'too-large',
      'unsupported',
      'unreadable',
      'ok',
    ]) {
      expect(codes, code).toContain(code)
    }
  })

  it('gives each bad file its code and a plain reason, and decodes the good ones', async () => {
    const report: string[] = []
    for (const input of inputs) {
      const error = await outcome(input.path)
      const label = `${path.basename(input.path).slice(0, 40)} (${input.why})`
      if (input.code === 'ok') {
        expect(error, label).toBeNull()
        continue
      }
      expect(error, label).toBeInstanceOf(DecodeError)
      expect(error!.code, label).toBe(input.code)
      expectPlainReason(error!)
      report.push(`${input.code.padEnd(12)} ${label}: ${error!.reason}`)
    }
    console.log(report.join('\n'))
  })

  it('words the main cases as a person would read them', async () => {
    const reasonOf = async (name: string): Promise<string> => (await outcome(path.join(dir, name)))!.reason
    expect(await reasonOf('empty.jpg')).toBe('The file is empty (0 bytes).')
    expect(await reasonOf('truncated.jpg')).toBe(
      'The image is incomplete: the file ends before the picture does (it may still be copying, or be damaged).',
    )
    expect(await reasonOf('notes.png')).toBe(
      'This file is not an image, although its name ends in .png (it looks like text).',
    )
    expect(await reasonOf('bomb.png')).toBe(
      'The image is too large to open safely: 30000 × 30000 pixels (900 MP); the limit is 268 MP.',
    )
    expect(await reasonOf('x.jpg')).toBe('This is a folder, not a file, although its name ends in .jpg.')
    expect(await reasonOf('gone.jpg')).toBe('The file is a link to something that no longer exists.')
  })

  it('refuses the decompression bomb from its header, quickly and without allocating it', async () => {
    const file = await readPhotoFile(path.join(dir, 'bomb.png'))
    expect(file.length).toBeLessThan(2000)
    const before = process.memoryUsage().rss
    await expect(decodePhoto(file, { inputSize: S })).rejects.toMatchObject({ code: 'too-large' })
    // Refused from its header: decoding its 900 MP would take gigabytes.
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 2 ** 20)
  })

  it('applies a configurable pixel limit', async () => {
    const jpeg = await fs.readFile(SEED_JPEG) // 900 × 1348
    await expect(decodePhoto(jpeg, { inputSize: S, maxPixels: 1_000_000 })).rejects.toMatchObject({
      code: 'too-large',
      reason: 'The image is too large to open safely: 900 × 1348 pixels (1.2 MP); the limit is 1 MP.',
    })
    await expect(decodePhoto(jpeg, { inputSize: S, maxPixels: 900 * 1348 })).resolves.toMatchObject({
      width: 900,
    })
  })

  it('survives all bad inputs at once', async () => {
    const results = await Promise.allSettled(inputs.map((i) => outcome(i.path)))
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true)
  })

  it('never fails with anything but a DecodeError on damaged copies of real files', async () => {
    const jpeg = await fs.readFile(SEED_JPEG)
    const sources: Record<string, Buffer> = {
      jpeg,
      png: await sharp(jpeg).resize(200).png().toBuffer(),
      webp: await sharp(jpeg).resize(200).webp().toBuffer(),
      gif: await sharp(jpeg).resize(120).gif().toBuffer(),
      tiff: await sharp(jpeg).resize(120).tiff().toBuffer(),
      avif: await sharp(jpeg).resize(120).avif().toBuffer(),
      heic: await fs.readFile(HEIC_FIXTURE),
    }
    const seen = new Map<string, number>()
    for (const [format, original] of Object.entries(sources)) {
      for (let i = 0; i < 12; i++) {
        const noise = pseudoRandomBytes(64, i * 31 + format.length)
        const damaged = Buffer.from(
          original.subarray(0, i % 3 === 0 ? (original.length * (i + 1)) / 13 : original.length),
        )
        // Overwrite a few bytes past the first 16, where the format signature lives.
        for (let k = 0; k < 8 && damaged.length > 32; k++)
          damaged[16 + (noise.readUInt32BE(k * 4) % (damaged.length - 16))] = noise[k]!
        try {
          await decodePhoto(damaged, { inputSize: S, name: `damaged.${format}` })
          seen.set('decoded', (seen.get('decoded') ?? 0) + 1)
        } catch (error) {
          expect(error, `${format} #${i}`).toBeInstanceOf(DecodeError)
          const code = (error as DecodeError).code
          seen.set(code, (seen.get(code) ?? 0) + 1)
        }
      }
    }
    console.log('damaged copies:', Object.fromEntries(seen))
  })
})
