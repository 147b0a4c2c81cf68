import { seededRandom } from '../../../src/engine/linalg/symmetric-eigen.js'
import type { DupePhoto } from '../../../src/engine/dupes/index.js'

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), the engine's own. */
export const rng = seededRandom

export function randomHash(random: () => number): string {
  let hex = ''
  for (let i = 0; i < 16; i++) hex += Math.floor(random() * 16).toString(16)
  return hex
}

/** `hash` with `bits` distinct bits flipped (chosen by `random`). */
export function flipBits(hash: string, bits: number, random: () => number): string {
  const value = [...hash].map((c) => parseInt(c, 16))
  const chosen = new Set<number>()
  while (chosen.size < bits) chosen.add(Math.floor(random() * 64))
  for (const b of chosen) value[b >> 2]! ^= 8 >> (b & 3)
  return value.map((v) => v.toString(16)).join('')
}

export function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v)
  return Float32Array.from(v.map((x) => x / n))
}

export function randomUnit(random: () => number, dims = 64): Float32Array {
  return unit(Array.from({ length: dims }, () => random() - 0.5))
}

/** A unit vector at cosine `cos` from unit `base`. */
export function atCosine(base: Float32Array, cos: number, random: () => number): Float32Array {
  const r = randomUnit(random, base.length)
  let d = 0
  for (let i = 0; i < base.length; i++) d += r[i]! * base[i]!
  const orth = Array.from(r, (x, i) => x - d * base[i]!)
  const o = unit(orth)
  const s = Math.sqrt(1 - cos * cos)
  return Float32Array.from(base, (x, i) => cos * x + s * o[i]!)
}

export function photo(id: string, over: Partial<DupePhoto> = {}): DupePhoto {
  return {
    id,
    path: `/photos/${id}.jpg`,
    size: 1000,
    hash: `hash-${id}`,
    width: 100,
    height: 100,
    format: 'jpeg',
    takenAt: null,
    cameraMake: null,
    cameraModel: null,
    latitude: null,
    longitude: null,
    altitude: null,
    phash: '0000000000000000',
    dhash: '0000000000000000',
    embedding: null,
    ...over,
  }
}
