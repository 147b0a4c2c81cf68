/**
 * When two photos are the same picture ("near"), merely similar, or neither: the rule for each sensitivity
 * level, from three signals. dp and dd are the Hamming distances of the pHashes and dHashes (0..64 bits),
 * cos the cosine of the embeddings (-1..1).
 *
 * A pair is near when one of these holds:
 * 1. both hashes almost equal (dp, dd ≤ veryCloseBits) and the embeddings do not disagree (cos ≥ veryCloseCos):
 *    resizes, re-compressions, format changes, grayscale (which moves a colour embedding a lot);
 * 2. both hashes close (dp, dd ≤ closeBits) and cos ≥ closeCos: brightness, contrast, watermarks;
 * 3. cos ≥ embeddingCos and dp + dd ≤ budgetAt080 + budgetSlope × (cos − 0.80): crops, small rotations and
 *    borders break the hashes, so the embedding carries them, and the closer the embeddings the more hash
 *    bits may differ.
 * Two captures are never the same picture: when both photos know their capture time (to the second, and to
 * the sub-second when both have it) or their camera, and these differ, the pair can only be similar.
 *
 * A pair is similar (a looser, separate tier) when it is not near and cos ≥ similarCos, or when it passes the
 * near rule but comes from two captures (a burst). Similar groups are built by complete linkage: a photo or
 * group joins another only if every pair of keepers across them has cos ≥ similarFloor, so that chains of
 * look-alikes do not snowball into one huge group.
 *
 * The values were tuned on the near-duplicate corpus of test/fixtures/near-dupes.ts (seed-5class sources only,
 * test/integration/dupes/near-dupes.test.ts) and are checked, never tuned, on a held-out corpus made the same
 * way from flowers17-40 (held-out-flowers.test.ts) and on flowers17-40 itself (flowers-cli.test.ts).
 */
import type { DupeLevel } from './types.js'

export interface LevelThresholds {
  veryCloseBits: number
  veryCloseCos: number
  closeBits: number
  closeCos: number
  embeddingCos: number
  budgetAt080: number
  budgetSlope: number
  similarCos: number
  similarFloor: number
  /** Photos of one camera taken at most this many seconds apart are a burst: similar from similarFloor. */
  burstSeconds: number
  /**
   * With pixel verification (verify-pair.ts): pairs at this cosine or closer are also proposed as near, for
   * the pixels to prove or refuse (the crops and rotations the near rule misses). Tuned on the seed-5class
   * corpus only: the lowest cosine of a copy to its original is 0.80 for crop80 (then 0.85, 0.87), 0.82 for
   * resize50, 0.92 for rotate3 and border5; grayscale, brightness and contrast copies go lower and are
   * proposed by their hashes (candidateBits). Normal takes 0.75 (a margin of 0.05 under the lowest crop).
   * Each step down costs verifications; pairs proposed per photo on flowers17-40 (680 photos): 0.7 → 2.2,
   * 0.75 → 1.2, 0.8 → 0.5 (most stop at the verifier's quick look, about 0.2 ms each).
   */
  candidateCos: number
  /**
   * With pixel verification: pairs whose hashes differ by at most this many bits in all (dp + dd) are also
   * proposed, whatever their cosine (grayscale, brightness and contrast copies move the embedding; on the
   * seed-5class corpus their hashes differ by at most 20 bits, apart from two brightened white T-shirts that
   * the edit clipped away: 33 and 34 bits). 36 takes the second of those (its pHash is close enough for the
   * hash search to find it); the first is found by neither search.
   */
  candidateBits: number
}

export const LEVELS: Readonly<Record<DupeLevel, Readonly<LevelThresholds>>> = {
  strict: {
    veryCloseBits: 4,
    veryCloseCos: 0.2,
    closeBits: 6,
    closeCos: 0.5,
    embeddingCos: 0.85,
    budgetAt080: 24,
    budgetSlope: 60,
    similarCos: 0.9,
    similarFloor: 0.8,
    burstSeconds: 10,
    candidateCos: 0.8,
    candidateBits: 36,
  },
  normal: {
    veryCloseBits: 4,
    veryCloseCos: 0,
    closeBits: 7,
    closeCos: 0.3,
    embeddingCos: 0.75,
    budgetAt080: 32,
    budgetSlope: 75,
    similarCos: 0.86,
    similarFloor: 0.75,
    burstSeconds: 30,
    candidateCos: 0.75,
    candidateBits: 36,
  },
  loose: {
    veryCloseBits: 6,
    veryCloseCos: 0,
    closeBits: 10,
    closeCos: 0.2,
    embeddingCos: 0.7,
    budgetAt080: 36,
    budgetSlope: 90,
    similarCos: 0.8,
    similarFloor: 0.7,
    burstSeconds: 120,
    candidateCos: 0.7,
    candidateBits: 40,
  },
}

/** Hash-only near rule, for a pair where an embedding is missing: rule 1 without the cosine check. */
export function nearByHashesOnly(t: LevelThresholds, dp: number, dd: number): boolean {
  return dp <= t.veryCloseBits && dd <= t.veryCloseBits
}

/** The near rule on the signals alone (the capture check is separate). */
export function nearBySignals(t: LevelThresholds, dp: number, dd: number, cos: number): boolean {
  if (dp <= t.veryCloseBits && dd <= t.veryCloseBits && cos >= t.veryCloseCos) return true
  if (dp <= t.closeBits && dd <= t.closeBits && cos >= t.closeCos) return true
  return cos >= t.embeddingCos && dp + dd <= t.budgetAt080 + t.budgetSlope * (cos - 0.8)
}

/** The largest pHash distance rules 1 and 2 accept: the radius of the hash-band candidate search. */
export function hashSearchRadius(t: LevelThresholds): number {
  return Math.max(t.veryCloseBits, t.closeBits)
}

/** The lowest cosine that can matter at this level: embedding neighbours below it are not candidates. */
export function neighbourFloor(t: LevelThresholds, similar: boolean): number {
  return similar ? Math.min(t.embeddingCos, t.similarCos) : t.embeddingCos
}
