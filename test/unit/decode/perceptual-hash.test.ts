import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { decodePhoto } from '../../../src/engine/decode/decode-photo.js'
import { hammingDistance } from '../../../src/engine/decode/perceptual-hash.js'
import { SEED_DIR } from '../../fixtures/bad-inputs.js'

const seed = (cls: string, file: string): string => path.join(SEED_DIR, cls, file)

async function hashes(file: Buffer): Promise<{ phash: string; dhash: string }> {
  const d = await decodePhoto(file, { inputSize: 224 })
  return { phash: d.phash, dhash: d.dhash }
}

describe('hammingDistance', () => {
  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0)
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64)
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2)
    expect(() => hammingDistance('abc', '0000000000000000')).toThrow(RangeError)
  })
})

describe('perceptual hashes', () => {
  it('are 16 hex characters, and equal for the same picture decoded twice', async () => {
    const file = await fs.readFile(seed('Location', 'eifelreplica.jpeg'))
    const a = await hashes(file)
    const b = await hashes(Buffer.from(file))
    expect(a.phash).toMatch(/^[0-9a-f]{16}$/)
    expect(a.dhash).toMatch(/^[0-9a-f]{16}$/)
    expect(b).toEqual(a)
  })

  it('barely change when the picture is resized and recompressed', async () => {
    for (const file of [
      seed('Location', 'eifelreplica.jpeg'),
      seed('Dog', 'd1.jpeg'),
      seed('Vehicle', 'v10.jpeg'),
    ]) {
      const original = await fs.readFile(file)
      const meta = await sharp(original).metadata()
      const smaller = await sharp(original)
        .resize(Math.round(meta.width * 0.6))
        .jpeg({ quality: 60 })
        .toBuffer()
      const asWebp = await sharp(original).webp({ quality: 50 }).toBuffer()
      const a = await hashes(original)
      for (const variant of [smaller, asWebp]) {
        const b = await hashes(variant)
        expect(hammingDistance(a.phash, b.phash), `${file} pHash`).toBeLessThanOrEqual(8)
        expect(hammingDistance(a.dhash, b.dhash), `${file} dHash`).toBeLessThanOrEqual(12)
      }
    }
  })

  it('differ a lot between different photos', async () => {
    const files = [
      seed('Dog', 'd1.jpeg'),
      seed('Food', 'f1.jpeg'),
      seed('Garment', 'g10.jpeg'),
      seed('Location', 'eifelreplica.jpeg'),
      seed('Vehicle', 'v1.jpeg'),
    ]
    const all = await Promise.all(files.map(async (f) => hashes(await fs.readFile(f))))
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        expect(
          hammingDistance(all[i]!.phash, all[j]!.phash),
          `${files[i]} vs ${files[j]}`,
        ).toBeGreaterThanOrEqual(16)
        expect(
          hammingDistance(all[i]!.dhash, all[j]!.dhash),
          `${files[i]} vs ${files[j]}`,
        ).toBeGreaterThanOrEqual(12)
      }
    }
  })
})
