/**
 * 64-bit perceptual fingerprints of a picture, as 16 hex characters each:
 * - pHash: DCT of a 32×32 grey version, the 8×8 lowest frequencies compared with their median;
 * - dHash: 9×8 grey version, each pixel compared with its right-hand neighbour.
 * Near-identical pictures (resized, recompressed) differ in a few bits; different pictures in about half.
 * Bits are in row-major order, first bit = most significant bit of the first hex digit.
 */
import { BOX, resampleRegion } from './resample.js'

/** Rec. 601 luma of an interleaved RGB image (as PIL's "L" mode). */
function greyPlane(rgb: Uint8Array, width: number, height: number, channels = 3): Uint8Array {
  const out = new Uint8Array(width * height)
  for (let i = 0, p = 0; i < out.length; i++, p += channels) {
    out[i] = (0.299 * rgb[p]! + 0.587 * rgb[p + 1]! + 0.114 * rgb[p + 2]! + 0.5) | 0
  }
  return out
}

function bitsToHex(bits: boolean[]): string {
  let hex = ''
  for (let i = 0; i < bits.length; i += 4) {
    const nibble = (bits[i] ? 8 : 0) | (bits[i + 1] ? 4 : 0) | (bits[i + 2] ? 2 : 0) | (bits[i + 3] ? 1 : 0)
    hex += nibble.toString(16)
  }
  return hex
}

const N = 32
const LOW = 8
// COS[u * N + x] = cos(pi * (2x + 1) * u / 2N), for the 8 lowest frequencies only.
const COS = (() => {
  const table = new Float64Array(LOW * N)
  for (let u = 0; u < LOW; u++)
    for (let x = 0; x < N; x++) table[u * N + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * N))
  return table
})()

/**
 * pHash and dHash of an interleaved RGB image. Both come from one 32×32 area-averaged grey version; the dHash's
 * 9×8 is averaged from that in turn, which keeps the work on the full-size pixels to a single pass.
 */
export function perceptualHashes(
  rgb: Uint8Array,
  width: number,
  height: number,
): { phash: string; dhash: string } {
  const grey = greyPlane(rgb, width, height)
  const px = resampleRegion(grey, width, height, 1, { left: 0, top: 0, width, height }, N, N, BOX)
  return { phash: pHash32(px), dhash: dHash32(px) }
}

/** pHash of a 32×32 grey image. */
function pHash32(px: Float32Array): string {
  // Separable DCT-II, computing only the low 8×8 block: rows first (32×8), then columns (8×8).
  const rows = new Float64Array(N * LOW)
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < LOW; u++) {
      let acc = 0
      for (let x = 0; x < N; x++) acc += px[y * N + x]! * COS[u * N + x]!
      rows[y * LOW + u] = acc
    }
  }
  const coeffs: number[] = []
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let acc = 0
      for (let y = 0; y < N; y++) acc += rows[y * LOW + u]! * COS[v * N + y]!
      coeffs.push(acc)
    }
  }
  const sorted = [...coeffs].sort((a, b) => a - b)
  const median = (sorted[31]! + sorted[32]!) / 2
  return bitsToHex(coeffs.map((c) => c > median))
}

/** dHash from a 32×32 grey image: shrink to 9×8, compare each pixel with its right-hand neighbour. */
function dHash32(px32: Float32Array): string {
  const px = resampleRegion(px32, N, N, 1, { left: 0, top: 0, width: N, height: N }, 9, 8, BOX)
  const bits: boolean[] = []
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits.push(px[y * 9 + x + 1]! > px[y * 9 + x]!)
  return bitsToHex(bits)
}

/** Number of differing bits between two 16-hex-character hashes (0..64). */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== 16 || b.length !== 16) throw new RangeError('hashes must be 16 hex characters')
  let distance = 0
  for (let i = 0; i < 16; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0
    while (x) {
      x &= x - 1
      distance++
    }
  }
  return distance
}
