/**
 * Similar shots: several frames of one moment (a burst, a few tries at the same picture), shown for review.
 * Looking alike is not enough: nine photos of the same dog taken on different days are not a burst. A pair of
 * photos is a similar shot only with capture evidence, one of:
 * - EXIF: both have an EXIF capture date, they are at most `burstSeconds` apart, from the same camera (make and
 *   model known on both and equal), and the frames show the scene: embeddings that agree at least `burstCos`,
 *   or else the same framing proven by the pixels (below: in a small library the embedding space is narrow
 *   and a subject walking into the frame moves the embedding a lot);
 * - files (when the two do not both have an EXIF date): the same folder, file modification times at most
 *   `fileSeconds` apart, and near-identical framing proven by the pixels: the pair verifier's geometric fit
 *   (verify-pair.ts) maps one onto the other with many keypoint inliers, about the same scale, almost no
 *   rotation, and the frames overlap almost entirely. Files copied together share their times, so the times
 *   alone prove nothing; a bulk copy of distinct photos has no such fit (flowers17-40: at most 9 inliers
 *   between two distinct photos of a folder, a burst frame has hundreds).
 * Everything else is "looks alike": it belongs to search and groups, not to duplicates.
 *
 * Groups are built by complete linkage over the evidence: a photo (or a near group) joins a group only if it
 * has evidence with every member, so a long sequence does not chain into one group.
 */
import { captureTime } from './keeper.js'
import type { DupeLevel, DupePhoto } from './types.js'

/**
 * What a similar shot needs of a photo. dateSource: where takenAt came from ('exif', 'exif-other', 'filename',
 * 'mtime'); null or absent counts as EXIF (older rows had EXIF dates only). mtimeMs: the file's modification
 * time, ms since the epoch.
 */
export type ShotPhoto = Pick<
  DupePhoto,
  'id' | 'path' | 'takenAt' | 'cameraMake' | 'cameraModel' | 'embedding' | 'dateSource' | 'mtimeMs'
>

export interface ShotRules {
  /** EXIF capture times at most this many seconds apart (same camera). */
  burstSeconds: number
  /** Least embedding cosine of an EXIF burst pair on the embeddings alone (below, the pixels are asked). */
  burstCos: number
  /** Without EXIF dates: file modification times at most this many seconds apart (same folder). */
  fileSeconds: number
  /** Least embedding cosine of a file-time pair before the pixels are asked about its framing. */
  fileCos: number
}

/** The rules at each level (the EXIF window and cosine are those of dupes/levels.ts before this module). */
export const SHOT_RULES: Readonly<Record<DupeLevel, Readonly<ShotRules>>> = {
  strict: { burstSeconds: 10, burstCos: 0.8, fileSeconds: 2, fileCos: 0.8 },
  normal: { burstSeconds: 30, burstCos: 0.75, fileSeconds: 3, fileCos: 0.75 },
  loose: { burstSeconds: 120, burstCos: 0.7, fileSeconds: 5, fileCos: 0.7 },
}

/** Near-identical framing, from the pair verifier's geometric fit. */
export const FRAMING = {
  /** Least RANSAC inliers (the verifier's near needs 15; distinct flowers17-40 photos reach 9). */
  minInliers: 40,
  /** Scale of the fit within [1 / maxScale, maxScale]. */
  maxScale: 1.15,
  /** Largest rotation, degrees. */
  maxRotationDeg: 4,
  /** Least share of both frames the overlap covers. */
  minOverlap: 0.75,
} as const

/** What the pair verifier says about a pair (EditVerdict of verify-pair.ts; only `near` is required). */
export interface FrameEvidence {
  near?: boolean
  inliers?: number
  scale?: number | null
  rotationDeg?: number | null
  overlap?: number | null
}

/** Pixel-level check of a pair's framing: the pair verifier (createPairVerifier) is one. */
export type FrameCheck = (a: DupePhoto, b: DupePhoto) => Promise<FrameEvidence>

export type ShotEvidence = 'exif' | 'files'

/** True when the fit shows the same framing: same scale, no rotation to speak of, frames overlapping. */
export function sameFraming(v: FrameEvidence): boolean {
  const { inliers, scale, rotationDeg, overlap } = v
  if (typeof inliers !== 'number' || inliers < FRAMING.minInliers) return false
  if (typeof scale !== 'number' || !(scale > 0)) return false
  if (Math.max(scale, 1 / scale) > FRAMING.maxScale) return false
  if (typeof rotationDeg !== 'number' || Math.abs(rotationDeg) > FRAMING.maxRotationDeg) return false
  return typeof overlap === 'number' && overlap >= FRAMING.minOverlap
}

/** Whether takenAt is a capture time from EXIF (not a date from the file's name or its modification time). */
export function hasExifDate(p: Pick<ShotPhoto, 'takenAt' | 'dateSource'>): boolean {
  const source = p.dateSource ?? 'exif'
  return p.takenAt !== null && (source === 'exif' || source === 'exif-other')
}

/** The EXIF capture time in ms, NaN when the photo has none (a date from its name or file time is not one). */
export function exifTime(p: Pick<ShotPhoto, 'takenAt' | 'dateSource'>): number {
  return hasExifDate(p) ? captureTime(p) : NaN
}

function cameraKey(p: Pick<ShotPhoto, 'cameraMake' | 'cameraModel'>): string | null {
  const make = p.cameraMake?.trim().toLowerCase()
  const model = p.cameraModel?.trim().toLowerCase()
  return make && model ? `${make}\u0000${model}` : null
}

/** The folder of a path, whichever separator it uses. */
export function folderOf(p: string): string {
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'))
  return cut < 0 ? '' : p.slice(0, cut)
}

function cosine(a: Float32Array | null, b: Float32Array | null): number | null {
  if (!a || !b || a.length !== b.length) return null
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

/**
 * What the metadata says of a pair before its pixels: 'exif' when both EXIF dates are within the burst
 * window and the camera is the same, 'files' when they do not both have an EXIF date and are files of one
 * folder modified within `fileSeconds` (the framing still has to be proven), else null.
 */
export function captureEvidence(a: ShotPhoto, b: ShotPhoto, rules: ShotRules): ShotEvidence | null {
  const ta = exifTime(a)
  const tb = exifTime(b)
  if (Number.isFinite(ta) && Number.isFinite(tb)) {
    const ka = cameraKey(a)
    return ka !== null && ka === cameraKey(b) && Math.abs(ta - tb) <= rules.burstSeconds * 1000
      ? 'exif'
      : null
  }
  const ma = a.mtimeMs
  const mb = b.mtimeMs
  if (typeof ma !== 'number' || typeof mb !== 'number' || !(ma > 0) || !(mb > 0)) return null
  if (Math.abs(ma - mb) > rules.fileSeconds * 1000) return null
  return folderOf(a.path) === folderOf(b.path) ? 'files' : null
}

/** At most this many later photos of the same camera, or of the same folder, are paired with each photo. */
const FANOUT = 64

/**
 * Every pair with capture evidence (each pair once, i < j), by two sweeps in time order: each camera's EXIF
 * dates, and each folder's file times (those only with embeddings agreeing at least `fileCos`).
 */
export function shotCandidates(
  photos: readonly ShotPhoto[],
  rules: ShotRules,
): Array<{ i: number; j: number; evidence: ShotEvidence; cos: number }> {
  const out: Array<{ i: number; j: number; evidence: ShotEvidence; cos: number }> = []
  const seen = new Set<number>()
  const sweep = (lists: Iterable<Array<{ i: number; at: number }>>, windowMs: number) => {
    for (const list of lists) {
      list.sort((x, y) => x.at - y.at || x.i - y.i)
      for (let a = 0; a < list.length; a++) {
        const end = Math.min(list.length, a + 1 + FANOUT)
        for (let b = a + 1; b < end && list[b]!.at - list[a]!.at <= windowMs; b++) {
          const [i, j] = list[a]!.i < list[b]!.i ? [list[a]!.i, list[b]!.i] : [list[b]!.i, list[a]!.i]
          const key = i * 0x100000000 + j
          if (seen.has(key)) continue
          seen.add(key)
          const evidence = captureEvidence(photos[i]!, photos[j]!, rules)
          const cos = cosine(photos[i]!.embedding, photos[j]!.embedding)
          if (evidence === null || cos === null) continue
          if (evidence === 'exif' || cos >= rules.fileCos) out.push({ i, j, evidence, cos })
        }
      }
    }
  }
  const byCamera = new Map<string, Array<{ i: number; at: number }>>()
  const byFolder = new Map<string, Array<{ i: number; at: number }>>()
  photos.forEach((p, i) => {
    if (!p.embedding) return
    const at = exifTime(p)
    const camera = cameraKey(p)
    if (Number.isFinite(at) && camera !== null) {
      const list = byCamera.get(camera)
      if (list) list.push({ i, at })
      else byCamera.set(camera, [{ i, at }])
    }
    if (typeof p.mtimeMs === 'number' && p.mtimeMs > 0) {
      const folder = folderOf(p.path)
      const list = byFolder.get(folder)
      if (list) list.push({ i, at: p.mtimeMs })
      else byFolder.set(folder, [{ i, at: p.mtimeMs }])
    }
  })
  sweep(byCamera.values(), rules.burstSeconds * 1000)
  sweep(byFolder.values(), rules.fileSeconds * 1000)
  return out
}

export interface ShotPair {
  i: number
  j: number
  evidence: ShotEvidence
  cos: number
}

/**
 * The similar-shot pairs among `photos` (indices into it): the candidates with EXIF evidence whose embeddings
 * agree at least `burstCos`, and the other candidates whose framing `frames` proves. Without `frames`, file
 * evidence is never enough.
 * `skip(i, j)` drops a candidate before its pixels are asked (e.g. the two are already one near group).
 */
export async function similarShotPairs(
  photos: readonly DupePhoto[],
  rules: ShotRules,
  opts: {
    frames?: FrameCheck
    skip?: (i: number, j: number) => boolean
    concurrency?: number
    signal?: AbortSignal
  } = {},
): Promise<ShotPair[]> {
  const candidates = shotCandidates(photos, rules).filter((c) => !opts.skip?.(c.i, c.j))
  const sure = (c: ShotPair) => c.evidence === 'exif' && c.cos >= rules.burstCos
  const out: ShotPair[] = candidates.filter(sure)
  const frames = opts.frames
  if (!frames) return out
  // Photo by photo, so that a verifier's cache of decoded photos serves each photo's pairs in turn.
  const pending = candidates.filter((c) => !sure(c)).sort((x, y) => x.i - y.i || x.j - y.j)
  const width = Math.max(1, opts.concurrency ?? 4)
  for (let start = 0; start < pending.length; start += width) {
    opts.signal?.throwIfAborted()
    const batch = pending.slice(start, start + width)
    const verdicts = await Promise.all(batch.map((c) => frames(photos[c.i]!, photos[c.j]!)))
    batch.forEach((c, b) => {
      if (sameFraming(verdicts[b]!)) out.push(c)
    })
  }
  return out
}

/**
 * Complete linkage of nodes (e.g. near groups, named by a number) over shot pairs between them, strongest
 * pairs first: two clusters merge only if every node of one has a pair with every node of the other.
 * Returns the clusters of two nodes or more, each sorted, in order of their smallest node.
 */
export function linkShots(pairs: ReadonlyArray<{ a: number; b: number; cos: number }>): number[][] {
  const linked = new Set<string>()
  const key = (x: number, y: number) => (x < y ? `${x},${y}` : `${y},${x}`)
  for (const p of pairs) if (p.a !== p.b) linked.add(key(p.a, p.b))
  const clusterOf = new Map<number, number>()
  const clusters = new Map<number, number[]>()
  const ensure = (node: number) => {
    if (!clusterOf.has(node)) {
      clusterOf.set(node, node)
      clusters.set(node, [node])
    }
  }
  const order = pairs
    .filter((p) => p.a !== p.b)
    .map((p) => (p.a < p.b ? p : { a: p.b, b: p.a, cos: p.cos }))
    .sort((x, y) => y.cos - x.cos || x.a - y.a || x.b - y.b)
  for (const { a, b } of order) {
    ensure(a)
    ensure(b)
    const ca = clusterOf.get(a)!
    const cb = clusterOf.get(b)!
    if (ca === cb) continue
    const ma = clusters.get(ca)!
    const mb = clusters.get(cb)!
    if (!ma.every((x) => mb.every((y) => linked.has(key(x, y))))) continue
    const [keep, drop] = ca < cb ? [ca, cb] : [cb, ca]
    const merged = clusters.get(keep)!
    for (const y of clusters.get(drop)!) {
      merged.push(y)
      clusterOf.set(y, keep)
    }
    clusters.delete(drop)
  }
  return [...clusters.values()]
    .filter((c) => c.length > 1)
    .map((c) => c.sort((x, y) => x - y))
    .sort((x, y) => x[0]! - y[0]!)
}
