/**
 * Duplicate finding over a library, in three tiers that are never mixed:
 * - exact: the same content (sha256), whatever the name or folder;
 * - near: the same picture after resizing, re-compression, cropping, a small rotation, brightness or contrast
 *   changes, grayscale, a border, a watermark or a format change (levels.ts has the rule);
 * - similar (only when asked): another frame of the same moment, e.g. of a burst, only with capture evidence
 *   (similar-shots.ts); photos that merely look alike are not duplicates of any kind.
 *
 * The tiers nest: each exact group takes part in near finding through its keeper, and each near group in
 * similar finding through its keeper. So a photo appears in at most one group of each tier, and moving the
 * non-keepers of the exact and near groups to the trash leaves one copy of each picture.
 *
 * Candidates are never all pairs: pairs within the hash radius come from multi-index hashing of the pHashes
 * (hash-bands.ts), and pairs within the embedding floor from the caller's nearest-neighbour index, asked for
 * k neighbours and again for 2k, 4k… while all of them are close enough to matter (a photo with many copies
 * fills its first k). Each candidate pair is then checked on both hashes and the cosine.
 *
 * With `verify` (verify-pair.ts), the signals only propose: a pair is near only when the pixels prove that one
 * picture is an edit of the other. The proposals are then wider (also any pair with cos ≥ candidateCos, for
 * the crops and rotations the hashes miss, or with dp + dd ≤ candidateBits, for the recoloured copies the
 * embedding misses); a pair already joined by proven pairs is not checked again, and a proposal the pixels
 * reject is nothing.
 */
import { forEachPairWithin, hamming, packHash, type PackedHashes } from './hash-bands.js'
import { captureTime, chooseKeeper } from './keeper.js'
import {
  LEVELS,
  hashSearchRadius,
  nearByHashesOnly,
  nearBySignals,
  neighbourFloor,
  type LevelThresholds,
} from './levels.js'
import { hasExifDate, linkShots, SHOT_RULES, similarShotPairs, type FrameCheck } from './similar-shots.js'
import type { DupeGroup, DupeKind, DupeLevel, DupePhoto } from './types.js'

/** A pixel-level check of a proposed pair: near only when `near` (createPairVerifier makes one). */
export type VerifyFn = (a: DupePhoto, b: DupePhoto) => Promise<{ near: boolean; score?: number | null }>

/**
 * The verifier of one run, as the engine makes it: how many pairs it wants in flight, and `close` to end its
 * workers and keep its verdicts for the next run (of the contents still in the library).
 */
export type RunVerifier = VerifyFn & {
  concurrency?: number
  close?: (liveHashes?: ReadonlySet<string>) => Promise<void>
}

export interface Neighbour {
  id: string
  /** Cosine similarity to the query. */
  score: number
}

/** k nearest photos of a photo by embedding cosine (the photo itself may be among them). */
export type NeighbourFn = (id: string, k: number) => Promise<Neighbour[]>

export interface FindDuplicatesOptions {
  level: DupeLevel
  /** Also return the 'similar' tier (similar-shots.ts: only with capture evidence). */
  similar: boolean
  /**
   * Proof of near-identical framing for similar shots without EXIF dates (same folder, close file times).
   * Default `verify` (the pair verifier gives its geometric fit); without either, file times are never enough.
   */
  frames?: FrameCheck
  neighbours: NeighbourFn
  /** First number of neighbours asked per photo. Default 16. */
  k?: number
  /** Most neighbours asked per photo. Default 512. */
  maxK?: number
  /** Neighbour queries in flight at once. Default 16. */
  concurrency?: number
  /**
   * Proof for near pairs: a pair the signals propose is near only if this says so (exact copies need none).
   * Without it the signals alone decide, as before.
   */
  verify?: VerifyFn
  /** Verifications in flight at once. Default the verifier's own (RunVerifier.concurrency), else 4. */
  verifyConcurrency?: number
  /** Told how many proposed pairs the pixels have settled, of how many, as the checks go. */
  onProgress?: (progress: { checked: number; toCheck: number }) => void
  signal?: AbortSignal
}

/** How far below candidateCos the neighbours are looked at, for a proposal by the hashes (candidateBits). */
const CANDIDATE_COS_SLACK = 0.1

const KIND_ORDER: Record<DupeKind, number> = { exact: 0, near: 1, similar: 2 }

class UnionFind {
  private readonly parent: Int32Array
  constructor(n: number) {
    this.parent = new Int32Array(n)
    for (let i = 0; i < n; i++) this.parent[i] = i
  }
  find(x: number): number {
    const p = this.parent
    while (p[x] !== x) {
      p[x] = p[p[x]!]!
      x = p[x]!
    }
    return x
  }
  union(a: number, b: number): void {
    const ra = this.find(a)
    const rb = this.find(b)
    // The smaller index becomes the root: the result does not depend on the order of the unions.
    if (ra < rb) this.parent[rb] = ra
    else if (rb < ra) this.parent[ra] = rb
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

function wallClock(takenAt: string): { second: string; fraction: string | null } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(takenAt)
  if (!m) return { second: takenAt, fraction: null }
  return { second: m[1]!, fraction: m[2] ?? null }
}

const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

/**
 * True when the metadata says these are two captures: both capture times known and different (to the second,
 * or to the sub-second when both have it), or both cameras known and different.
 */
export function differentCaptures(
  a: Pick<DupePhoto, 'takenAt' | 'cameraMake' | 'cameraModel' | 'dateSource'>,
  b: Pick<DupePhoto, 'takenAt' | 'cameraMake' | 'cameraModel' | 'dateSource'>,
): boolean {
  // Only EXIF dates are capture times: a date from the file's name or modification time (dateSource
  // 'filename' or 'mtime') differs between two copies of one photo.
  if (a.takenAt && b.takenAt && hasExifDate(a) && hasExifDate(b)) {
    const ta = wallClock(a.takenAt)
    const tb = wallClock(b.takenAt)
    if (ta.second !== tb.second) return true
    if (ta.fraction !== null && tb.fraction !== null && Number(ta.fraction) !== Number(tb.fraction))
      return true
  }
  if (a.cameraMake && b.cameraMake && !sameText(a.cameraMake, b.cameraMake)) return true
  if (a.cameraModel && b.cameraModel && !sameText(a.cameraModel, b.cameraModel)) return true
  return false
}

export type PairVerdict = 'near' | 'similar' | null

/** The verdict on one pair of distinct-content photos at a level (exported for tests and diagnostics). */
export function judgePair(
  t: LevelThresholds,
  a: DupePhoto,
  b: DupePhoto,
  similar: boolean,
  signals?: { dp: number; dd: number; cos: number | null },
): PairVerdict {
  const dp = signals?.dp ?? (a.phash && b.phash ? hexHamming(a.phash, b.phash) : null)
  const dd = signals?.dd ?? (a.dhash && b.dhash ? hexHamming(a.dhash, b.dhash) : null)
  const cos = signals ? signals.cos : a.embedding && b.embedding ? dot(a.embedding, b.embedding) : null
  let looksNear = false
  if (dp !== null && dd !== null)
    looksNear = cos === null ? nearByHashesOnly(t, dp, dd) : nearBySignals(t, dp, dd, cos)
  if (looksNear && !differentCaptures(a, b)) return 'near'
  if (!similar) return null
  if (looksNear) return 'similar'
  if (cos === null) return null
  if (cos >= t.similarCos) return 'similar'
  return cos >= t.similarFloor && sameBurst(a, b, t.burstSeconds) ? 'similar' : null
}

/** Same camera (make and model known on both and equal) and capture times at most `seconds` apart. */
export function sameBurst(
  a: Pick<DupePhoto, 'takenAt' | 'cameraMake' | 'cameraModel'>,
  b: Pick<DupePhoto, 'takenAt' | 'cameraMake' | 'cameraModel'>,
  seconds: number,
): boolean {
  if (!a.cameraMake || !b.cameraMake || !a.cameraModel || !b.cameraModel) return false
  if (!sameText(a.cameraMake, b.cameraMake) || !sameText(a.cameraModel, b.cameraModel)) return false
  const ta = captureTime(a)
  const tb = captureTime(b)
  return Number.isFinite(ta) && Number.isFinite(tb) && Math.abs(ta - tb) <= seconds * 1000
}

function hexHamming(a: string, b: string): number | null {
  const h: PackedHashes = { hi: new Uint32Array(2), lo: new Uint32Array(2), valid: new Uint8Array(2) }
  if (!packHash(a, h, 0) || !packHash(b, h, 1)) return null
  return hamming(h, 0, 1)
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Finds the exact, near and (with `similar`) similar groups of a library. Pure apart from the `neighbours`
 * calls; the result does not depend on the order of `photos`. Groups come sorted by kind (exact, near,
 * similar) then by the keeper's path; in each group the keeper comes first, the others in keeper order.
 */
export async function findDuplicates(photos: DupePhoto[], opts: FindDuplicatesOptions): Promise<DupeGroup[]> {
  const t = LEVELS[opts.level]
  if (!t) throw new RangeError(`Unknown level "${String(opts.level)}": use strict, normal or loose.`)
  const k0 = opts.k ?? 16
  const maxK = Math.max(k0, opts.maxK ?? 512)
  const concurrency = Math.max(1, opts.concurrency ?? 16)

  const all = [...photos].sort((a, b) => compareIds(a.id, b.id))
  for (let i = 1; i < all.length; i++)
    if (all[i]!.id === all[i - 1]!.id) throw new Error(`Photo id ${all[i]!.id} is given twice.`)
  const groups: DupeGroup[] = []

  // 1. Exact: same content hash. The keeper of each stands for the whole group from here on.
  const byHash = new Map<string, DupePhoto[]>()
  const reps: DupePhoto[] = []
  for (const p of all) {
    if (p.hash === null) {
      reps.push(p)
      continue
    }
    const list = byHash.get(p.hash)
    if (list) list.push(p)
    else byHash.set(p.hash, [p])
  }
  const repOf = new Map<string, string>()
  for (const members of byHash.values()) {
    const { order, reason } = chooseKeeper(members, true)
    const keep = order[0]!
    reps.push(keep)
    for (const m of members) repOf.set(m.id, keep.id)
    if (members.length > 1)
      groups.push({ kind: 'exact', keep: keep.id, reason, photos: order.map((m) => m.id) })
  }
  reps.sort((a, b) => compareIds(a.id, b.id))
  const n = reps.length
  const index = new Map<string, number>()
  reps.forEach((p, i) => index.set(p.id, i))

  // 2. Candidates and verdicts among the representatives.
  const phashes: PackedHashes = { hi: new Uint32Array(n), lo: new Uint32Array(n), valid: new Uint8Array(n) }
  const dhashes: PackedHashes = { hi: new Uint32Array(n), lo: new Uint32Array(n), valid: new Uint8Array(n) }
  reps.forEach((p, i) => {
    packHash(p.phash, phashes, i)
    packHash(p.dhash, dhashes, i)
  })
  const nearEdges: Edge[] = []
  /** Near proposals waiting for the pixel check (with `verify`). */
  const proposals: Edge[] = []
  const judge = (i: number, j: number) => {
    if (i === j) return
    const a = reps[i]!
    const b = reps[j]!
    const hashes = phashes.valid[i] && phashes.valid[j] && dhashes.valid[i] && dhashes.valid[j]
    const cos = a.embedding && b.embedding ? dot(a.embedding, b.embedding) : null
    const dp = hashes ? hamming(phashes, i, j) : null
    const dd = hashes ? hamming(dhashes, i, j) : null
    const verdict =
      dp !== null && dd !== null ? judgePair(t, a, b, false, { dp, dd, cos }) : judgePair(t, a, b, false)
    // With a verifier, a wider net: close embeddings propose a pair the hashes alone would not.
    const propose =
      opts.verify !== undefined &&
      (verdict === 'near' ||
        (((cos !== null && cos >= t.candidateCos) ||
          (dp !== null && dd !== null && dp + dd <= t.candidateBits)) &&
          !differentCaptures(a, b)))
    if (verdict === null && !propose) return
    // How sure: the embedding agreement, less the share of hash bits that differ.
    const strength = (cos ?? 1) - ((dp ?? 32) + (dd ?? 32)) / 64
    const edge = i < j ? { i, j, strength, cos: cos ?? 0 } : { i: j, j: i, strength, cos: cos ?? 0 }
    // Looking alike is not a similar shot (similar-shots.ts): a pair the pixels refuse is nothing.
    ;(propose ? proposals : nearEdges).push(edge)
  }

  forEachPairWithin(phashes, hashSearchRadius(t), (i, j) => judge(i, j))

  // With a verifier, neighbours a little below candidateCos are looked at too: their hashes may propose them.
  const floor = Math.min(neighbourFloor(t, false), opts.verify ? t.candidateCos - CANDIDATE_COS_SLACK : 1)
  const queue = reps.map((_, i) => i).filter((i) => reps[i]!.embedding)
  for (let start = 0; start < queue.length; start += concurrency) {
    opts.signal?.throwIfAborted()
    const batch = queue.slice(start, start + concurrency)
    const found = await Promise.all(
      batch.map((i) => closeNeighbours(reps[i]!.id, opts.neighbours, floor, k0, maxK)),
    )
    batch.forEach((i, b) => {
      for (const nb of found[b]!) {
        const j = index.get(repOf.get(nb.id) ?? nb.id)
        if (j !== undefined && j !== i) judge(i, j)
      }
    })
  }

  if (opts.verify) {
    const verify = opts.verify
    // Photo by photo, so that the verifier's cache of decoded photos serves each photo's pairs in turn.
    const pending = dedupeEdges(proposals).sort((x, y) => x.i - y.i || x.j - y.j)
    const width = Math.max(1, opts.verifyConcurrency ?? (verify as RunVerifier).concurrency ?? 4)
    // A pair already joined by proven pairs of photos of one capture (the copies of one picture) needs no
    // proof of its own: with 12 copies of a photo, 11 pixel checks instead of 78. Photos with capture
    // metadata that differs are never joined here, so the merge below sees every pair it could refuse.
    const proven = new UnionFind(n)
    const provenCapture = new Map<number, DupePhoto>()
    const capture = (p: DupePhoto) => (p.takenAt || p.cameraMake || p.cameraModel ? p : null)
    const joinProven = (i: number, j: number) => {
      const ri = proven.find(i)
      const rj = proven.find(j)
      if (ri === rj) return
      const ci = provenCapture.get(ri) ?? capture(reps[i]!)
      const cj = provenCapture.get(rj) ?? capture(reps[j]!)
      if (ci && cj && (differentCaptures(ci, cj) || !sameCapture(ci, cj))) return
      proven.union(ri, rj)
      const c = ci ?? cj
      if (c) provenCapture.set(proven.find(ri), c)
    }
    opts.onProgress?.({ checked: 0, toCheck: pending.length })
    for (let start = 0; start < pending.length;) {
      opts.signal?.throwIfAborted()
      const batch: typeof pending = []
      while (start < pending.length && batch.length < width) {
        const e = pending[start++]!
        if (proven.find(e.i) !== proven.find(e.j)) batch.push(e)
      }
      const verdicts = await Promise.all(batch.map((e) => verify(reps[e.i]!, reps[e.j]!)))
      batch.forEach((e, b) => {
        const v = verdicts[b]!
        if (v.near) joinProven(e.i, e.j)
        // A proven pair ranks by how complete the match is (a whole copy before a crop), so that a copy
        // without EXIF joins its original before a burst frame it also matches as a crop.
        const strength = v.near && typeof v.score === 'number' ? 2 + v.score : e.strength
        const edge = { i: e.i, j: e.j, strength, cos: e.cos }
        if (v.near) nearEdges.push(edge)
      })
      opts.onProgress?.({ checked: start, toCheck: pending.length })
    }
  }

  // Strongest pairs first; a merge that would put two different captures in one group is refused (a burst
  // frame and its original, linked through an edited copy without EXIF): a similar shot at most.
  const near = new UnionFind(n)
  const captures = new Map<number, DupePhoto[]>()
  reps.forEach((p, i) => {
    if (p.takenAt || p.cameraMake || p.cameraModel) captures.set(i, [p])
  })
  for (const e of dedupeEdges(nearEdges)) {
    const ra = near.find(e.i)
    const rb = near.find(e.j)
    if (ra === rb) continue
    const ca = captures.get(ra) ?? []
    const cb = captures.get(rb) ?? []
    if (ca.some((x) => cb.some((y) => differentCaptures(x, y)))) continue
    near.union(ra, rb)
    const root = near.find(ra)
    const merged = [...ca, ...cb.filter((y) => !ca.some((x) => sameCapture(x, y)))]
    captures.delete(ra)
    captures.delete(rb)
    if (merged.length > 0) captures.set(root, merged)
  }

  // 3. Near groups: connected components of near pairs.
  const components = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const root = near.find(i)
    const list = components.get(root)
    if (list) list.push(i)
    else components.set(root, [i])
  }
  const nodeKeeper = new Int32Array(n) // component root → index of its keeper
  for (const [root, members] of components) {
    const { order, reason } = chooseKeeper(members.map((i) => reps[i]!))
    nodeKeeper[root] = index.get(order[0]!.id)!
    if (members.length > 1)
      groups.push({ kind: 'near', keep: order[0]!.id, reason, photos: order.map((p) => p.id) })
  }

  // 4. Similar shots: pairs with capture evidence (similar-shots.ts), complete linkage over the near groups.
  if (opts.similar) {
    const shots = await similarShotPairs(reps, SHOT_RULES[opts.level], {
      frames: opts.frames ?? opts.verify,
      skip: (i, j) => near.find(i) === near.find(j),
      concurrency: opts.verifyConcurrency,
      signal: opts.signal,
    })
    const clusters = linkShots(shots.map((p) => ({ a: near.find(p.i), b: near.find(p.j), cos: p.cos })))
    for (const roots of clusters) {
      const { order, reason } = chooseKeeper(roots.map((root) => reps[nodeKeeper[root]!]!))
      groups.push({ kind: 'similar', keep: order[0]!.id, reason, photos: order.map((p) => p.id) })
    }
  }

  const pathOf = new Map(all.map((p) => [p.id, p.path]))
  return groups.sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      compareIds(pathOf.get(a.keep)!, pathOf.get(b.keep)!) ||
      compareIds(a.keep, b.keep),
  )
}

interface Edge {
  i: number
  j: number
  strength: number
  cos: number
}

/** Each pair once (found by the hash search and by both photos' neighbours), strongest first. */
function dedupeEdges(edges: Edge[]): Edge[] {
  edges.sort((x, y) => y.strength - x.strength || x.i - y.i || x.j - y.j)
  const out: Edge[] = []
  const seen = new Set<number>()
  for (const e of edges) {
    const key = e.i * 0x100000000 + e.j
    if (seen.has(key)) continue
    seen.add(key)
    out.push(e)
  }
  return out
}

function sameCapture(a: DupePhoto, b: DupePhoto): boolean {
  return a.takenAt === b.takenAt && a.cameraMake === b.cameraMake && a.cameraModel === b.cameraModel
}

async function closeNeighbours(
  id: string,
  neighbours: NeighbourFn,
  floor: number,
  k0: number,
  maxK: number,
): Promise<Neighbour[]> {
  for (let k = k0; ; k *= 2) {
    const list = await neighbours(id, k)
    const close = list.filter((nb) => nb.score >= floor)
    // Fewer than k returned, or some below the floor: the rest of the library is further still.
    if (list.length < k || close.length < list.length || k >= maxK) return close
  }
}
