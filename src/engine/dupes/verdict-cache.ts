/**
 * The pair verifier's verdicts, kept between duplicate runs in the library folder.
 *
 * Why: proving a pair costs a decode of both thumbnails, their keypoints and a pixel comparison (tens of
 * milliseconds); a library's proposed pairs barely change from one run to the next (new photos bring new
 * pairs, the rest are the same contents). A verdict depends only on the two contents, the mirror option and
 * the verifier's rules, so it is keyed by those: a content that changes gets a new hash and a new verdict,
 * and a change of rules (VERIFIER_RULES) drops every verdict at once.
 *
 * The file is small JSON written atomically at the end of a run (a crash leaves the old file or the new one;
 * a damaged or foreign file is ignored and rebuilt). Verdicts of contents no longer in the library are
 * dropped when it is written. Only verdicts the pixels gave are kept: "could not read" is never stored.
 */
import fs from 'node:fs/promises'
import { writeFileAtomic } from '../library/atomic-file.js'
import * as rules from './verify-rules.js'

/**
 * The verifier's rules id: every number verify-rules.ts exports (its thresholds and LOGIC_VERSION), by name,
 * so a threshold added or changed there drops the verdicts kept under the old rules without a list to update.
 */
export const VERIFIER_RULES = Object.entries(rules as Record<string, unknown>)
  .filter(([, value]) => typeof value === 'number')
  .sort(([a], [b]) => (a < b ? -1 : 1))
  .map(([name, value]) => `${name}=${String(value)}`)
  .join(';')

/** Hex digits of each content hash in a key: 64 bits, so two contents in one library never share one. */
const HASH_DIGITS = 16

export interface CachedVerdict {
  near: boolean
  /** How complete the match is (verify-pair.ts), when near. */
  score: number | null
  /** The geometric fit, which similar shots read to tell the same framing (similar-shots.ts). */
  inliers?: number
  scale?: number | null
  rotationDeg?: number | null
  overlap?: number | null
}

type Stored = [0 | 1, number | null, number, number | null, number | null, number | null]

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null)

interface CacheFile {
  rules: string
  /** "hashA|hashB|m" (hashes in order, m = mirror option 0/1) → [near 0/1, score, inliers, scale, rotation, overlap]. */
  verdicts: Record<string, Stored>
}

export class VerdictCache {
  private changed = false

  private constructor(
    private readonly file: string | null,
    private readonly verdicts: Map<string, CachedVerdict>,
  ) {}

  /** A cache that keeps nothing between runs (tests, read-only libraries without a file). */
  static inMemory(): VerdictCache {
    return new VerdictCache(null, new Map())
  }

  /** Reads `file` (missing, damaged or made under other rules: an empty cache that will replace it). */
  static async open(file: string): Promise<VerdictCache> {
    const verdicts = new Map<string, CachedVerdict>()
    try {
      const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<CacheFile>
      if (parsed.rules === VERIFIER_RULES && parsed.verdicts && typeof parsed.verdicts === 'object') {
        for (const [key, v] of Object.entries(parsed.verdicts)) {
          if (!Array.isArray(v) || (v[0] !== 0 && v[0] !== 1)) continue
          verdicts.set(key, {
            near: v[0] === 1,
            score: num(v[1]),
            inliers: num(v[2]) ?? 0,
            scale: num(v[3]),
            rotationDeg: num(v[4]),
            overlap: num(v[5]),
          })
        }
      }
    } catch {
      /* no cache yet, or one we cannot read: start afresh */
    }
    return new VerdictCache(file, verdicts)
  }

  /** The key of a pair of contents (in either order) under a mirror option. */
  static key(hashA: string, hashB: string, mirror: boolean): string {
    const a = hashA.slice(0, HASH_DIGITS)
    const b = hashB.slice(0, HASH_DIGITS)
    return `${a < b ? a : b}|${a < b ? b : a}|${mirror ? 1 : 0}`
  }

  get size(): number {
    return this.verdicts.size
  }

  get(key: string): CachedVerdict | undefined {
    return this.verdicts.get(key)
  }

  set(key: string, verdict: CachedVerdict): void {
    this.verdicts.set(key, {
      near: verdict.near,
      score: verdict.score,
      inliers: verdict.inliers ?? 0,
      scale: verdict.scale ?? null,
      rotationDeg: verdict.rotationDeg ?? null,
      overlap: verdict.overlap ?? null,
    })
    this.changed = true
  }

  /**
   * Writes the verdicts whose two contents are both in `liveHashes` (all when omitted), when anything
   * changed. Nothing is written for an in-memory cache.
   */
  async save(liveHashes?: ReadonlySet<string>): Promise<void> {
    if (!this.file) return
    let pruned = false
    if (liveHashes) {
      const live = new Set([...liveHashes].map((h) => h.slice(0, HASH_DIGITS)))
      for (const key of [...this.verdicts.keys()]) {
        const [a, b] = key.split('|')
        if (!live.has(a!) || !live.has(b!)) {
          this.verdicts.delete(key)
          pruned = true
        }
      }
    }
    if (!this.changed && !pruned) return
    const out: CacheFile = { rules: VERIFIER_RULES, verdicts: {} }
    for (const [key, v] of this.verdicts)
      out.verdicts[key] = [
        v.near ? 1 : 0,
        v.score,
        v.inliers ?? 0,
        v.scale ?? null,
        v.rotationDeg ?? null,
        v.overlap ?? null,
      ]
    await writeFileAtomic(this.file, JSON.stringify(out))
    this.changed = false
  }
}
