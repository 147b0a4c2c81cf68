import fs from 'node:fs/promises'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { decodeModelInputOnly, decodePhoto } from '../../../src/engine/decode/decode-photo.js'
import { SEED_JPEG, pseudoRandomBytes } from '../../fixtures/bad-inputs.js'

const S = 224

/** A 12-megapixel camera-like JPEG: a real photo upscaled to 4000 × 3000, plus sensor-like noise, quality 90. */
async function cameraJpeg(): Promise<Buffer> {
  const width = 4000
  const height = 3000
  const pixels = await sharp(await fs.readFile(SEED_JPEG))
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer()
  const noise = pseudoRandomBytes(pixels.length, 5)
  for (let i = 0; i < pixels.length; i++)
    pixels[i] = Math.max(0, Math.min(255, pixels[i]! + ((noise[i]! % 13) - 6)))
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer()
}

/**
 * ms per photo for each contender, measured in alternating rounds so that load from other processes on the
 * machine falls on both alike.
 */
async function measure(
  contenders: Record<string, () => Promise<unknown>>,
  { concurrency, perRound, rounds }: { concurrency: number; perRound: number; rounds: number },
): Promise<Record<string, number>> {
  const total: Record<string, number> = {}
  const runBatch = async (fn: () => Promise<unknown>): Promise<number> => {
    let left = perRound
    const started = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await fn()
      }),
    )
    return performance.now() - started
  }
  for (const fn of Object.values(contenders)) await runBatch(fn) // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders))
      total[name] = (total[name] ?? 0) + (await runBatch(fn))
  }
  return Object.fromEntries(Object.entries(total).map(([name, ms]) => [name, ms / (rounds * perRound)]))
}

describe('decode throughput on 12-megapixel JPEGs', () => {
  it('stays near the bare sharp floor', async () => {
    const jpeg = await cameraJpeg()
    const contenders = {
      floor: () => decodeModelInputOnly(jpeg, S),
      decodePhoto: () => decodePhoto(jpeg, { inputSize: S }),
    }
    const lines: string[] = [`12 MP JPEG, ${(jpeg.length / 1e6).toFixed(1)} MB`]
    let worst = Infinity
    for (const concurrency of [1, 2]) {
      const ms = await measure(contenders, { concurrency, perRound: 6, rounds: 8 })
      const ratio = ms.floor! / ms.decodePhoto!
      worst = Math.min(worst, ratio)
      lines.push(
        `concurrency ${concurrency}: floor ${ms.floor!.toFixed(1)} ms/photo, decodePhoto ${ms.decodePhoto!.toFixed(1)} ms/photo, ` +
          `throughput ${(ratio * 100).toFixed(0)}% of the floor`,
      )
    }
    console.log(lines.join('\n'))
    // The target is 80%; this only trips on gross regressions (e.g. a second full-size decode would be ~50%),
    // because shared test machines make timings noisy.
    expect(worst).toBeGreaterThan(0.6)
  })
})
