/**
 * Exact k-nearest-neighbour search over the library's embeddings, in memory, kept in step with the store.
 *
 * Design (chosen by measuring, see bench/similarity.ts):
 * - The float32 vectors sit in one contiguous row-major matrix (id ↔ slot maps, swap-remove on delete,
 *   growing by doubling). They answer `vectorOf` and give every returned score.
 * - Alongside, each row is quantised to int8 with its own scale, in WebAssembly memory. A query first scores
 *   every row from those (index-kernel.ts: a quarter of the bytes of the float scan, which is what bounds
 *   the time at a million rows), then re-scores exactly, in float64 from the float32 rows, only the rows
 *   that could still be in the top k.
 *
 * Why that is exact. Row x is stored as x̂ = inv·xq (xq ∈ int8⁶⁴) with error δx = x − x̂, and the query as
 * q̂ = invq·qq with δq = q − q̂. Then x·q = x̂·q̂ + x̂·δq + δx·q, so by Cauchy–Schwarz
 *     |x·q − x̂·q̂| ≤ ‖x̂‖‖δq‖ + ‖δx‖‖q‖ =: B,
 * where ‖x̂‖ and ‖δx‖ are stored per row (rounded up) and x̂·q̂ comes from the exact integer dot product.
 * A slack ε, orders of magnitude above every floating-point rounding involved, widens each interval to
 * [low, up] = [x̂·q̂ − B − ε, x̂·q̂ + B + ε], which contains the exact score. With τ the k-th largest `low`
 * among admitted rows, there are k rows scoring ≥ τ, so any row whose `up` is below τ cannot be in the top k
 * (nor tie with its last member); every other row is re-scored exactly. τ only grows during the scan, so a
 * row dropped early stays dropped.
 *
 * The exact score is Σᵢ x[i]·q[i] accumulated in float64 in index order (each product of two float32 values
 * is exact in float64), so it is reproducible: a brute-force scan with that loop gives identical numbers.
 *
 * Cost (bench/similarity.ts, 2-core shared machine): p50 ≈ 1.6 ms per query at 100,000 photos and ≈ 16–20 ms
 * at 1,000,000, where reading the 64 MB of int8 rows is itself ~8 ms; memory ≈ 400 MiB at a million (float32
 * rows 256 MiB, int8 rows and scales 72 MiB, norms 8 MiB, ids). Queries run synchronously on the calling
 * thread; `query` is async so that it can move to a worker later without changing callers.
 */
import { createScanKernel, WASM_PAGE, type ScanKernel } from './index-kernel.js'
import { KLargest, TopK } from './index-topk.js'

export interface Neighbour {
  id: string
  /** Cosine similarity: the dot product of the (unit) vectors. */
  score: number
}

export interface QueryOptions {
  /** Keeps only candidates for which this returns true; called only on rows that could enter the top k. */
  allow?: (id: string) => boolean
  /** Drops this id (the query photo itself). */
  exclude?: string
}

/** What the last query did, for benchmarks and diagnostics. */
export interface QueryStats {
  /** Rows whose upper bound passed the running threshold (and `allow`, `exclude`). */
  admitted: number
  /** Rows re-scored exactly in float64. */
  rescored: number
}

const MIN_CAPACITY = 1024
const MAX_DIMS = 131_072
/** Largest WebAssembly (memory32) memory. */
const MAX_WASM_BYTES = 2 ** 32
/** Rough per-id cost in the JS heap besides its characters: the slot array entry, the Map entry, the string header. */
const BYTES_PER_ID = 56

/** Result of quantising one vector, reused to avoid an allocation per row: [inv, ‖x̂‖, ‖δx‖, ‖x‖]. */
const quantised = new Float64Array(4)

/**
 * Copies a vector into `copy` and writes it, quantised, into `dst`: each coordinate becomes an integer in
 * [−127, 127] (any rounding would do: the error is measured, not assumed), with the scale inv a float32
 * value so that the kernel multiplies by exactly it. Returns in `quantised` inv and the norms of
 * x̂ = inv·xq, of δx = x − x̂ and of x.
 */
function quantise(
  src: Float32Array,
  offset: number,
  dims: number,
  dst: Int8Array,
  at: number,
  copy?: Float32Array,
  copyAt = 0,
): Float64Array {
  let max = 0
  let normSq = 0
  for (let i = 0; i < dims; i++) {
    const x = src[offset + i]!
    normSq += x * x
    const a = Math.abs(x)
    if (a > max) max = a
  }
  if (copy) for (let i = 0; i < dims; i++) copy[copyAt + i] = src[offset + i]!
  const inv = Math.fround(max / 127)
  let hatSq = 0
  let errSq = 0
  if (inv === 0) {
    dst.fill(0, at, at + dims)
    errSq = normSq
  } else {
    const scale = 1 / inv
    for (let i = 0; i < dims; i++) {
      const x = src[offset + i]!
      // Round half up: x·scale + 128.5 is positive, so truncation floors it (faster than Math.round).
      let q = ((x * scale + 128.5) | 0) - 128
      if (q > 127) q = 127
      else if (q < -127) q = -127
      dst[at + i] = q
      const hat = q * inv
      const err = x - hat
      hatSq += hat * hat
      errSq += err * err
    }
  }
  quantised[0] = inv
  quantised[1] = Math.sqrt(hatSq)
  quantised[2] = Math.sqrt(errSq)
  quantised[3] = Math.sqrt(normSq)
  return quantised
}

/** The first r in [from, n) with p[r] ≥ cut, or n: the scan's hot loop, kept small for the JIT. */
function nextAtLeast(p: Float32Array, from: number, n: number, cut: number): number {
  for (let r = from; r < n; r++) if (p[r]! >= cut) return r
  return n
}

/** A float32 value ≥ v (float32 rounding is relative 2⁻²⁴, well under the 10⁻⁶ added). */
const roundUp = (v: number) => Math.fround(v * (1 + 1e-6))

export class SimilarityIndex {
  /** Bytes per int8 row in the kernel's memory: dims rounded up to 16 (the padding stays zero). */
  private readonly stride: number
  private kernel: ScanKernel | undefined
  /** Whether the WebAssembly SIMD kernel is in use (false: the JavaScript fallback). */
  readonly simd: boolean
  private n = 0
  private capacity = 0
  private closed = false
  private ids: string[] = []
  private slotOf = new Map<string, number>()
  private idChars = 0
  /** capacity × dims float32, row-major; rows [0, n) are live. */
  private vectors = new Float32Array(0)
  /** Per row, rounded up: ‖x̂‖ and ‖δx‖. */
  private hatNorm = new Float32Array(0)
  private errNorm = new Float32Array(0)
  /** Upper bounds of hatNorm and errNorm over live rows (never lowered by removes until the index empties). */
  private maxHat = 0
  private maxErr = 0
  // Kernel memory: [query: stride][rows: capacity × stride][inv: capacity × f32][out: capacity × f32].
  private readonly matrixOffset: number
  private invOffset: number
  private outOffset: number
  private bytes!: Int8Array
  private floats!: Float32Array
  private stats: QueryStats = { admitted: 0, rescored: 0 }

  constructor(
    readonly dims = 64,
    options: { forceFallback?: boolean } = {},
  ) {
    // The kernel's int32 sums hold dims·127² exactly up to 133,000 dimensions.
    if (!Number.isInteger(dims) || dims <= 0 || dims > MAX_DIMS)
      throw new RangeError(`SimilarityIndex: invalid dims ${dims}`)
    this.stride = Math.ceil(dims / 16) * 16
    this.kernel = createScanKernel(this.stride, options)
    this.simd = this.kernel.simd
    this.matrixOffset = this.stride
    this.invOffset = this.outOffset = this.matrixOffset
    this.refreshViews()
  }

  get size(): number {
    return this.n
  }

  get lastQueryStats(): QueryStats {
    return { ...this.stats }
  }

  /** Adds rows, or replaces the vectors of ids already present. On a validation error nothing changes. */
  upsert(ids: readonly string[], vectors: Float32Array): void {
    this.assertOpen('upsert')
    const d = this.dims
    if (vectors.length !== ids.length * d)
      throw new Error(
        `SimilarityIndex.upsert: ${ids.length} ids need ${ids.length}×${d} = ${ids.length * d} values, got ${vectors.length}`,
      )
    for (let i = 0; i < vectors.length; i++)
      if (!Number.isFinite(vectors[i]!))
        throw new Error(`SimilarityIndex.upsert: the vector of "${ids[Math.floor(i / d)]}" is not finite`)
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      let slot = this.slotOf.get(id)
      if (slot === undefined) {
        if (this.n === this.capacity) this.reserve(this.n + 1)
        slot = this.n++
        this.slotOf.set(id, slot)
        this.ids[slot] = id
        this.idChars += id.length
      }
      this.writeRow(slot, vectors, i * d)
    }
  }

  /** Removes ids (unknown ids are ignored). The last row moves into each freed slot. */
  remove(ids: readonly string[]): void {
    this.assertOpen('remove')
    const d = this.dims
    const s = this.stride
    for (const id of ids) {
      const slot = this.slotOf.get(id)
      if (slot === undefined) continue
      const last = --this.n
      if (slot !== last) {
        this.vectors.copyWithin(slot * d, last * d, last * d + d)
        const m = this.matrixOffset
        this.bytes.copyWithin(m + slot * s, m + last * s, m + last * s + s)
        const inv = this.invOffset >> 2
        this.floats[inv + slot] = this.floats[inv + last]!
        this.hatNorm[slot] = this.hatNorm[last]!
        this.errNorm[slot] = this.errNorm[last]!
        const moved = this.ids[last]!
        this.ids[slot] = moved
        this.slotOf.set(moved, slot)
      }
      this.ids.pop()
      this.slotOf.delete(id)
      this.idChars -= id.length
    }
    if (this.n === 0) this.maxHat = this.maxErr = 0
  }

  /** A copy of the stored vector. */
  vectorOf(id: string): Float32Array | undefined {
    const slot = this.slotOf.get(id)
    if (slot === undefined) return undefined
    return this.vectors.slice(slot * this.dims, (slot + 1) * this.dims)
  }

  /**
   * Exact top k by cosine, best first, ties broken by id (ascending, by UTF-16 code units). `allow` filters
   * candidates (called only on rows that could still enter the top k; it must not modify the index);
   * `exclude` drops one id.
   */
  async query(vector: Float32Array, k: number, opts: QueryOptions = {}): Promise<Neighbour[]> {
    this.assertOpen('query')
    const d = this.dims
    if (vector.length !== d)
      throw new Error(`SimilarityIndex.query: the query has ${vector.length} dimensions, the index ${d}`)
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`SimilarityIndex.query: invalid k ${k}`)
    for (let i = 0; i < d; i++)
      if (!Number.isFinite(vector[i]!)) throw new Error('SimilarityIndex.query: the query is not finite')
    const n = this.n
    this.stats = { admitted: 0, rescored: 0 }
    if (k === 0 || n === 0) return []

    // First pass: approximate scores p[r]·invq = x̂·q̂ (to float32 rounding) for every row.
    const qv = quantise(vector, 0, d, this.bytes, 0)
    const invq = qv[0]!
    const qHat = qv[1]!
    const qErr = qv[2]!
    const qNorm = qv[3]!
    this.kernel!.scan(0, this.matrixOffset, this.invOffset, this.outOffset, (n + 3) >> 2)
    const p = new Float32Array(this.floats.buffer, this.outOffset, n)
    // ε: far above the float32 rounding of p (2⁻²³ relative to ‖x̂‖‖q̂‖) and the float64 roundings.
    const eps = 1e-6 * (1 + (this.maxHat + this.maxErr) * (qHat + qErr + qNorm))
    const bMax = this.maxHat * qErr + this.maxErr * qNorm

    const { allow, exclude } = opts
    const excluded = exclude === undefined ? -1 : (this.slotOf.get(exclude) ?? -1)
    const ids = this.ids
    const hatNorm = this.hatNorm
    const errNorm = this.errNorm
    const lows = new KLargest(Math.min(k, n))
    let slots = new Int32Array(256)
    let ups = new Float64Array(256)
    let admitted = 0
    let tau = -Infinity // the k-th largest lower bound among admitted rows
    let cut = -Infinity // rows with p below this have up < tau whatever their own bound
    for (let r = nextAtLeast(p, 0, n, cut); r < n; r = nextAtLeast(p, r + 1, n, cut)) {
      if (r === excluded) continue
      const s = p[r]! * invq
      const b = hatNorm[r]! * qErr + errNorm[r]! * qNorm + eps
      const up = s + b
      if (up < tau) continue
      if (allow !== undefined && !allow(ids[r]!)) continue
      if (admitted === slots.length) {
        const moreSlots = new Int32Array(2 * admitted)
        moreSlots.set(slots)
        slots = moreSlots
        const moreUps = new Float64Array(2 * admitted)
        moreUps.set(ups)
        ups = moreUps
      }
      slots[admitted] = r
      ups[admitted++] = up
      if (lows.offer(s - b) && lows.full) {
        tau = lows.min
        // In p's units; the rounding of the division is far inside the spare ε.
        cut = invq > 0 ? (tau - bMax - 2 * eps) / invq : tau - bMax - 2 * eps > 0 ? Infinity : -Infinity
      }
    }

    // Second pass: exact scores for the rows that can still make it.
    const vectors = this.vectors
    const top = new TopK(Math.min(k, n))
    let rescored = 0
    for (let c = 0; c < admitted; c++) {
      if (ups[c]! < tau) continue
      const slot = slots[c]!
      const o = slot * d
      let score = 0
      for (let i = 0; i < d; i++) score += vectors[o + i]! * vector[i]!
      rescored++
      top.offer({ score, slot, id: ids[slot]! })
    }
    this.stats = { admitted, rescored }
    return top.sorted().map(({ id, score }) => ({ id, score }))
  }

  /**
   * Memory held: the float32 matrix, the kernel's WebAssembly memory (int8 rows, scales, scores), the
   * per-row norms, and an estimate for the ids and their map. Capacity grows by doubling and is not given
   * back on removes.
   */
  memoryBytes(): number {
    if (this.closed) return 0
    return (
      this.vectors.byteLength +
      this.kernel!.memory.buffer.byteLength +
      this.hatNorm.byteLength +
      this.errNorm.byteLength +
      this.n * BYTES_PER_ID +
      this.idChars
    )
  }

  async close(): Promise<void> {
    this.closed = true
    this.n = this.capacity = this.idChars = 0
    this.ids = []
    this.slotOf = new Map()
    this.vectors = this.hatNorm = this.errNorm = new Float32Array(0)
    this.kernel = undefined
    this.bytes = new Int8Array(0)
    this.floats = new Float32Array(0)
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new Error(`SimilarityIndex.${operation}: the index is closed`)
  }

  private refreshViews(): void {
    this.bytes = new Int8Array(this.kernel!.memory.buffer)
    this.floats = new Float32Array(this.kernel!.memory.buffer)
  }

  private writeRow(slot: number, src: Float32Array, offset: number): void {
    const at = this.matrixOffset + slot * this.stride
    const qv = quantise(src, offset, this.dims, this.bytes, at, this.vectors, slot * this.dims)
    this.floats[(this.invOffset >> 2) + slot] = qv[0]!
    const hatUp = roundUp(qv[1]!)
    const errUp = roundUp(qv[2]!)
    this.hatNorm[slot] = hatUp
    this.errNorm[slot] = errUp
    if (hatUp > this.maxHat) this.maxHat = hatUp
    if (errUp > this.maxErr) this.maxErr = errUp
  }

  /** Makes room for `rows` rows, doubling the capacity (a multiple of 4: the kernel scores rows in fours). */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return
    let capacity = Math.max(this.capacity, MIN_CAPACITY)
    while (capacity < rows) capacity *= 2
    const invOffset = this.matrixOffset + capacity * this.stride
    const outOffset = invOffset + capacity * 4
    const total = outOffset + capacity * 4
    if (total > MAX_WASM_BYTES)
      throw new RangeError(
        `SimilarityIndex: ${rows} rows of ${this.dims} dimensions exceed the kernel's 4 GiB`,
      )
    const memory = this.kernel!.memory
    const pages = Math.ceil(total / WASM_PAGE) - memory.buffer.byteLength / WASM_PAGE
    if (pages > 0) memory.grow(pages)
    this.refreshViews()
    // The rows stay where they are (the region only grows); the scales move up past the new rows.
    this.bytes.copyWithin(invOffset, this.invOffset, this.invOffset + this.n * 4)
    this.invOffset = invOffset
    this.outOffset = outOffset

    const d = this.dims
    const vectors = new Float32Array(capacity * d)
    vectors.set(this.vectors.subarray(0, this.n * d))
    this.vectors = vectors
    const hatNorm = new Float32Array(capacity)
    hatNorm.set(this.hatNorm.subarray(0, this.n))
    this.hatNorm = hatNorm
    const errNorm = new Float32Array(capacity)
    errNorm.set(this.errNorm.subarray(0, this.n))
    this.errNorm = errNorm
    this.capacity = capacity
  }
}
