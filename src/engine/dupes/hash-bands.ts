/**
 * 64-bit perceptual hashes as two uint32 halves, and every pair within a Hamming distance found without
 * comparing all pairs: multi-index hashing.
 *
 * The 64 bits are cut into 4 bands of 16 bits. If two hashes differ in at most t bits, one band differs in at
 * most r = ⌊t/4⌋ bits (pigeonhole: 4 bands of r + 1 differing bits or more would make 4r + 4 > t). So each
 * hash is looked up, band by band, in a table of the band values (one bucket per 16-bit value), probing every
 * value within r bits of its own: 1 probe for t ≤ 3, 17 for t ≤ 7, 137 for t ≤ 11, 697 for t ≤ 15. Candidates
 * are then checked on all 64 bits. With n hashes spread over 65,536 buckets per band, the work grows as
 * n × probes × (1 + n / 65,536), not n².
 */

/** Hashes of n photos, the high and low 32 bits of each; `valid[i]` is 0 when photo i has no hash. */
export interface PackedHashes {
  hi: Uint32Array
  lo: Uint32Array
  valid: Uint8Array
}

/** Largest distance the band search supports (radius 3 per band). */
export const MAX_BAND_DISTANCE = 15

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/** 16 hex characters → the packed slot i. Returns false (and leaves the slot invalid) for anything else. */
export function packHash(hex: string | null, out: PackedHashes, i: number): boolean {
  out.valid[i] = 0
  if (hex === null || !/^[0-9a-f]{16}$/i.test(hex)) return false
  out.hi[i] = parseInt(hex.slice(0, 8), 16) >>> 0
  out.lo[i] = parseInt(hex.slice(8, 16), 16) >>> 0
  out.valid[i] = 1
  return true
}

export function packHashes(hexes: ReadonlyArray<string | null>): PackedHashes {
  const n = hexes.length
  const out: PackedHashes = { hi: new Uint32Array(n), lo: new Uint32Array(n), valid: new Uint8Array(n) }
  hexes.forEach((h, i) => packHash(h, out, i))
  return out
}

export function hamming(h: PackedHashes, i: number, j: number): number {
  return popcount32((h.hi[i]! ^ h.hi[j]!) >>> 0) + popcount32((h.lo[i]! ^ h.lo[j]!) >>> 0)
}

function band(h: PackedHashes, i: number, b: number): number {
  switch (b) {
    case 0:
      return h.hi[i]! >>> 16
    case 1:
      return h.hi[i]! & 0xffff
    case 2:
      return h.lo[i]! >>> 16
    default:
      return h.lo[i]! & 0xffff
  }
}

const maskCache = new Map<number, Uint16Array>()

/** Every 16-bit mask with at most r bits set, fewest bits first. */
function masksUpTo(r: number): Uint16Array {
  const cached = maskCache.get(r)
  if (cached) return cached
  const masks: number[] = []
  for (let bits = 0; bits <= r; bits++)
    for (let m = 0; m < 0x10000; m++) if (popcount32(m) === bits) masks.push(m)
  const out = Uint16Array.from(masks)
  maskCache.set(r, out)
  return out
}

const BANDS = 4
const BUCKETS = 0x10000

/**
 * Every pair (i < j) of valid hashes within `maxDistance` bits, each once, with its distance, via
 * `visit(i, j, distance)`. Exactly the pairs a comparison of all pairs would find.
 */
export function forEachPairWithin(
  h: PackedHashes,
  maxDistance: number,
  visit: (i: number, j: number, distance: number) => void,
): void {
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > MAX_BAND_DISTANCE)
    throw new RangeError(`maxDistance must be an integer from 0 to ${MAX_BAND_DISTANCE}, got ${maxDistance}`)
  const n = h.hi.length
  const r = Math.floor(maxDistance / BANDS)
  const masks = masksUpTo(r)
  // The 4 band values of each hash, side by side.
  const keys = new Uint16Array(n * BANDS)
  for (let i = 0; i < n; i++) for (let b = 0; b < BANDS; b++) keys[i * BANDS + b] = band(h, i, b)
  for (let b = 0; b < BANDS; b++) {
    // The band's bucket table in CSR form (offsets[v] .. offsets[v + 1] in `members`, each bucket in index
    // order), with each member's hash halves copied alongside so that scanning a bucket reads memory in order.
    const offsets = new Uint32Array(BUCKETS + 1)
    for (let i = 0; i < n; i++) if (h.valid[i]) offsets[keys[i * BANDS + b]! + 1]!++
    for (let v = 0; v < BUCKETS; v++) offsets[v + 1]! += offsets[v]!
    const fill = offsets.slice(0, BUCKETS)
    const size = offsets[BUCKETS]!
    const members = new Uint32Array(size)
    const memberKey = new Uint16Array(size)
    const memberHi = new Uint32Array(size)
    const memberLo = new Uint32Array(size)
    for (let i = 0; i < n; i++) {
      if (!h.valid[i]) continue
      const key = keys[i * BANDS + b]!
      const p = fill[key]!++
      members[p] = i
      memberKey[p] = key
      memberHi[p] = h.hi[i]!
      memberLo[p] = h.lo[i]!
    }
    // Mask by mask, queries in key order: the probed buckets (key ^ mask) then come in nearly increasing
    // order too, which keeps the table in cache (probing in index order misses it on every probe).
    for (let x = 0; x < masks.length; x++) {
      const mask = masks[x]!
      for (let q = 0; q < size; q++) {
        const i = members[q]!
        const probe = memberKey[q]! ^ mask
        const end = offsets[probe + 1]!
        let p = offsets[probe]!
        while (p < end && members[p]! <= i) p++
        if (p === end) continue
        const hiI = memberHi[q]!
        const loI = memberLo[q]!
        for (; p < end; p++) {
          const d = popcount32((hiI ^ memberHi[p]!) >>> 0) + popcount32((loI ^ memberLo[p]!) >>> 0)
          if (d > maxDistance) continue
          // Reported from the first band within r only, so each pair comes out once.
          const j = members[p]!
          let seenEarlier = false
          for (let e = 0; e < b; e++) {
            if (popcount32(keys[i * BANDS + e]! ^ keys[j * BANDS + e]!) <= r) {
              seenEarlier = true
              break
            }
          }
          if (!seenEarlier) visit(i, j, d)
        }
      }
    }
  }
}
