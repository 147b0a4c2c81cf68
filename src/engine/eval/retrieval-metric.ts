/**
 * The GUIE retrieval metric, mean Precision@5: each query retrieves its nearest neighbours (cosine) among
 * the gallery; with n relevant photos (same class) in the gallery, precision is taken over the top
 * min(5, n) results; the mean is over queries. Pure, so it is tested on hand-made cases.
 */

export interface RetrievalScore {
  /** Mean Precision@k over all queries with at least one relevant photo. */
  mpAtK: number
  queries: number
  perClass: Record<string, { mpAtK: number; queries: number }>
  /** How often a query of class `query` retrieved a photo of class `retrieved` in its top results. */
  confusions: Array<{ query: string; retrieved: string; count: number }>
}

export interface LabelledVectors {
  /** Row-major n × dim, unit length (cosine = dot product). */
  vectors: Float32Array
  dim: number
  labels: readonly string[]
}

/** Indices of the top `k` scores, best first; ties broken by lower index (deterministic). */
function topK(scores: Float64Array, k: number, skip: number): number[] {
  const best: number[] = []
  for (let j = 0; j < scores.length; j++) {
    if (j === skip || !Number.isFinite(scores[j]!)) continue
    if (best.length === k && scores[j]! <= scores[best[k - 1]!]!) continue
    let pos = best.length < k ? best.length : k - 1
    if (best.length < k) best.push(j)
    else best[pos] = j
    while (pos > 0 && scores[best[pos - 1]!]! < scores[best[pos]!]!) {
      ;[best[pos - 1], best[pos]] = [best[pos]!, best[pos - 1]!]
      pos--
    }
  }
  return best
}

/**
 * Scores `queries` against `gallery` (leave-one-out when they are the same set: a query never retrieves
 * itself). `sameSet` must be true exactly when the two are the same photos in the same order.
 */
export function meanPrecisionAtK(
  queries: LabelledVectors,
  gallery: LabelledVectors,
  k = 5,
  sameSet = false,
): RetrievalScore {
  if (queries.dim !== gallery.dim)
    throw new Error(`Query and gallery dimensions differ (${queries.dim} vs ${gallery.dim}).`)
  const dim = queries.dim
  const nq = queries.labels.length
  const ng = gallery.labels.length
  const classCount = new Map<string, number>()
  for (const l of gallery.labels) classCount.set(l, (classCount.get(l) ?? 0) + 1)
  const perClass = new Map<string, { sum: number; queries: number }>()
  const confusions = new Map<string, number>()
  let sum = 0
  let counted = 0
  const scores = new Float64Array(ng)
  for (let q = 0; q < nq; q++) {
    const label = queries.labels[q]!
    const relevant = (classCount.get(label) ?? 0) - (sameSet ? 1 : 0)
    if (relevant <= 0) continue // nothing to find: GUIE leaves such queries out
    const oq = q * dim
    for (let g = 0; g < ng; g++) {
      let dot = 0
      const og = g * dim
      for (let d = 0; d < dim; d++) dot += queries.vectors[oq + d]! * gallery.vectors[og + d]!
      scores[g] = dot
    }
    const cutoff = Math.min(k, relevant)
    const top = topK(scores, cutoff, sameSet ? q : -1)
    let hits = 0
    for (const g of top) {
      const got = gallery.labels[g]!
      if (got === label) hits++
      else confusions.set(`${label}\u0000${got}`, (confusions.get(`${label}\u0000${got}`) ?? 0) + 1)
    }
    const precision = hits / cutoff
    sum += precision
    counted++
    const c = perClass.get(label) ?? { sum: 0, queries: 0 }
    c.sum += precision
    c.queries++
    perClass.set(label, c)
  }
  return {
    mpAtK: counted > 0 ? sum / counted : 0,
    queries: counted,
    perClass: Object.fromEntries(
      [...perClass.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([l, c]) => [l, { mpAtK: c.sum / c.queries, queries: c.queries }]),
    ),
    confusions: [...confusions.entries()]
      .map(([key, count]) => {
        const [query, retrieved] = key.split('\u0000') as [string, string]
        return { query, retrieved, count }
      })
      .sort(
        (a, b) =>
          b.count - a.count || a.query.localeCompare(b.query) || a.retrieved.localeCompare(b.retrieved),
      ),
  }
}
