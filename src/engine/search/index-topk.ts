/** Bounded selections for SimilarityIndex: nothing here ever sorts more than k items. */

/** The k largest numbers seen so far, in a binary min-heap; `min` is the k-th largest once full. */
export class KLargest {
  private readonly heap: Float64Array
  private n = 0

  constructor(readonly capacity: number) {
    this.heap = new Float64Array(Math.max(1, capacity))
  }

  get full(): boolean {
    return this.n === this.capacity
  }

  /** The smallest value kept (meaningful once full). */
  get min(): number {
    return this.heap[0]!
  }

  /** Keeps `value` if it is among the k largest; returns true when the kept set changed. */
  offer(value: number): boolean {
    const h = this.heap
    if (this.n < this.capacity) {
      let i = this.n++
      while (i > 0) {
        const parent = (i - 1) >> 1
        if (h[parent]! <= value) break
        h[i] = h[parent]!
        i = parent
      }
      h[i] = value
      return true
    }
    if (this.capacity === 0 || value <= h[0]!) return false
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= this.n) break
      const right = left + 1
      const child = right < this.n && h[right]! < h[left]! ? right : left
      if (h[child]! >= value) break
      h[i] = h[child]!
      i = child
    }
    h[i] = value
    return true
  }
}

export interface Ranked {
  score: number
  slot: number
  id: string
}

/** True if a ranks strictly below b: lower score, or the same score and a later id. */
function below(a: Ranked, b: Ranked): boolean {
  return a.score < b.score || (a.score === b.score && a.id > b.id)
}

/** The k best of a stream by (score descending, id ascending); the heap's root is the worst kept. */
export class TopK {
  private readonly heap: Ranked[] = []

  constructor(readonly capacity: number) {}

  offer(item: Ranked): void {
    const h = this.heap
    if (h.length < this.capacity) {
      let i = h.length
      h.push(item)
      while (i > 0) {
        const parent = (i - 1) >> 1
        if (!below(item, h[parent]!)) break
        h[i] = h[parent]!
        i = parent
      }
      h[i] = item
      return
    }
    if (this.capacity === 0 || !below(h[0]!, item)) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= h.length) break
      const right = left + 1
      const child = right < h.length && below(h[right]!, h[left]!) ? right : left
      if (!below(h[child]!, item)) break
      h[i] = h[child]!
      i = child
    }
    h[i] = item
  }

  /** Best first. */
  sorted(): Ranked[] {
    return [...this.heap].sort((a, b) => (below(a, b) ? 1 : below(b, a) ? -1 : 0))
  }
}
