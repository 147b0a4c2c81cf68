/**
 * Ranking photos for a query of words with the built-in model: each term stands for a set of ImageNet
 * classes (vocabulary.ts), a photo's evidence for a term is its label mass on those classes, and a query of
 * several terms scores the geometric mean of the terms' evidence (each term must count). Photos whose score
 * reaches TAG_MIN_EVIDENCE are hits, best first. When they are fewer than asked, photos that look like the
 * confident hits (cosine to their centre, at least as close as the confident hits themselves are) follow,
 * scored below every labelled hit.
 */
import { TAG_MIN_EVIDENCE, evidence, type PhotoLabel } from './photo-labels.js'
import { CLASSES } from './imagenet.js'
import type { ParsedQuery, QueryTerm } from './vocabulary.js'

/** Evidence a hit needs to anchor the "looks like the hits" extension. */
export const ANCHOR_EVIDENCE = 0.5
/** At most this many anchors make the centre. */
export const MAX_ANCHORS = 10

export interface WordHit {
  id: string
  score: number
  /** The photo's label that matched best (a class name), or null for a look-alike. */
  label: string | null
  by: 'labels' | 'similar'
}

export interface WordSearchResult {
  /** 'labels': the built-in model's labels; 'clip': the pack's text tower (labels then only filter). */
  mode: 'labels' | 'clip'
  hits: Array<WordHit & { path: string }>
  /** The terms understood, with how many ImageNet classes each stands for. */
  terms: Array<{ text: string; word: string; classes: number }>
  /** Words not in the vocabulary, with near words that are. */
  unknown: ParsedQuery['unknown']
}

/** Photos ranked by the evidence of their labels for every term (only those with enough). */
export function rankByEvidence(
  terms: readonly QueryTerm[],
  labels: ReadonlyMap<string, readonly PhotoLabel[]>,
  allow?: (id: string) => boolean,
): WordHit[] {
  if (terms.length === 0) return []
  const sets = terms.map((t) => new Set(t.classes))
  const all = new Set(terms.flatMap((t) => t.classes))
  const out: WordHit[] = []
  for (const [id, ls] of labels) {
    if (allow && !allow(id)) continue
    let product = 1
    for (const s of sets) product *= evidence(ls, s)
    const score = Math.pow(product, 1 / sets.length)
    if (score < TAG_MIN_EVIDENCE) continue
    const best = ls.filter((l) => all.has(l.cls)).sort((a, b) => b.p - a.p)[0]
    out.push({ id, score, label: best ? CLASSES[best.cls]!.name : null, by: 'labels' })
  }
  return out.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
}

/** Unit-length mean of some vectors. */
export function centre(vectors: readonly Float32Array[]): Float32Array {
  const dim = vectors[0]!.length
  const c = new Float32Array(dim)
  for (const v of vectors) for (let i = 0; i < dim; i++) c[i] = c[i]! + v[i]!
  let norm = 0
  for (let i = 0; i < dim; i++) norm += c[i]! * c[i]!
  norm = Math.sqrt(norm) || 1
  for (let i = 0; i < dim; i++) c[i] = c[i]! / norm
  return c
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
  }
  return dot / (Math.sqrt(na * nb) || 1)
}

/**
 * Look-alikes of the anchors to append after the labelled hits: of the neighbours of the anchors' centre
 * (cosine to it, best first), those at least as close to it as the farthest anchor, scored below every
 * labelled hit.
 */
export function lookAlikes(
  anchors: readonly Float32Array[],
  nearest: (centre: Float32Array) => Promise<Array<{ id: string; score: number }>>,
  exclude: ReadonlySet<string>,
  limit: number,
): Promise<WordHit[]> {
  if (anchors.length < 2 || limit <= 0) return Promise.resolve([])
  const c = centre(anchors)
  const floor = Math.min(...anchors.map((a) => cosine(a, c)))
  return nearest(c).then((neighbours) =>
    neighbours
      .filter((n) => !exclude.has(n.id) && n.score >= floor)
      .slice(0, limit)
      .map((n) => ({
        id: n.id,
        score: TAG_MIN_EVIDENCE * 0.99 * Math.max(0, n.score),
        label: null,
        by: 'similar' as const,
      })),
  )
}
