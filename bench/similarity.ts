/**
 * Similar-photo search: exact top-10 over synthetic libraries of 100,000 and 1,000,000 unit 64-d embeddings
 * (clustered like real ones: random centres plus noise, normalised), against the targets of
 * p50 ≤ 5 ms and ≤ 30 ms per query.
 *
 * Reports per size: build time, memoryBytes() and the process's measured growth, query latency p50/p95/max
 * (wall clock, and CPU time, which a busy shared machine inflates less), exactness (a sample of queries
 * checked against a brute-force scan), how many rows each query re-scored, and two baselines the design was
 * chosen against: the brute-force JavaScript scan and onnxruntime's MLAS float32 MatMul over the matrix.
 *
 * Called by bench/run.ts, or alone: `npx tsx bench/similarity.ts` prints JSON. Environment:
 * TESSERA_BENCH_SIMILARITY_SIZES (default "100000,1000000"), TESSERA_BENCH_SIMILARITY_QUERIES (default 200).
 */
import { seededRandom } from '../src/engine/linalg/symmetric-eigen.js'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import { MatMul } from '../src/engine/linalg/ort-matmul.js'
import { SimilarityIndex, type Neighbour } from '../src/engine/search/similarity-index.js'

type Json = Record<string, unknown>

const DIMS = 64
const K = 10
const CENTRES = 1000
const NOISE = 0.05 // per component: a photo's cosine to its cluster centre is about 0.93
const BATCH = 1000 // rows per upsert, as the indexer writes them
const WARMUP = 20
const EXACTNESS_SAMPLE = 50
const MLAS_RUNS = 30
const TARGET_P50_MS: Record<number, number> = { 100_000: 5, 1_000_000: 30 }

function log(message: string): void {
  process.stderr.write(`[bench:similarity] ${message}\n`)
}

const rng = seededRandom

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

function normalise(v: Float32Array, offset: number): void {
  let s = 0
  for (let i = 0; i < DIMS; i++) s += v[offset + i]! ** 2
  const n = Math.sqrt(s)
  for (let i = 0; i < DIMS; i++) v[offset + i] = v[offset + i]! / n
}

/** `n` unit vectors, each a random one of `centres` plus Gaussian noise, normalised. */
function library(random: () => number, centres: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * DIMS)
  for (let r = 0; r < n; r++) {
    const c = Math.floor(random() * CENTRES) * DIMS
    for (let i = 0; i < DIMS; i++) out[r * DIMS + i] = centres[c + i]! + NOISE * gaussian(random)
    normalise(out, r * DIMS)
  }
  return out
}

/** The reference: every row scored with the index's float64 loop; best first, ties by id. */
function bruteForce(
  ids: string[],
  vectors: Float32Array,
  query: Float32Array,
  exclude?: string,
): Neighbour[] {
  const top: Neighbour[] = []
  for (let r = 0; r < ids.length; r++) {
    let score = 0
    for (let i = 0; i < DIMS; i++) score += vectors[r * DIMS + i]! * query[i]!
    if (top.length === K && score < top[K - 1]!.score) continue
    const id = ids[r]!
    if (id === exclude) continue
    let at = top.length
    while (at > 0 && (top[at - 1]!.score < score || (top[at - 1]!.score === score && top[at - 1]!.id > id)))
      at--
    if (at < K) {
      top.splice(at, 0, { id, score })
      if (top.length > K) top.pop()
    }
  }
  return top
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

const round = (ms: number) => Number(ms.toFixed(3))

function summary(samples: number[]): Json {
  const s = [...samples].sort((a, b) => a - b)
  return { p50: round(percentile(s, 0.5)), p95: round(percentile(s, 0.95)), max: round(s[s.length - 1]!) }
}

const MiB = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1))

/** A full garbage collection, so that memory deltas leave out the garbage of capacity doublings. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc')
  ;(vm.runInNewContext('gc') as () => void)()
}

async function benchSize(photos: number, queries: number, seed: number): Promise<Json> {
  const random = rng(seed)
  const centres = new Float32Array(CENTRES * DIMS)
  for (let i = 0; i < centres.length; i++) centres[i] = gaussian(random)
  for (let c = 0; c < CENTRES; c++) normalise(centres, c * DIMS)
  log(`${photos}: generating`)
  const vectors = library(random, centres, photos)
  const ids = Array.from({ length: photos }, (_, i) => `photo-${String(i).padStart(9, '0')}`)

  log(`${photos}: building`)
  collectGarbage()
  const before = process.memoryUsage()
  const index = new SimilarityIndex(DIMS)
  const buildStart = performance.now()
  for (let i = 0; i < photos; i += BATCH)
    index.upsert(ids.slice(i, i + BATCH), vectors.subarray(i * DIMS, Math.min(photos, i + BATCH) * DIMS))
  const buildMs = performance.now() - buildStart
  collectGarbage()
  const after = process.memoryUsage()

  // Queries: half are library photos ("more like this", excluding the photo itself), half new photos.
  const fresh = library(random, centres, queries + WARMUP)
  const pick = (q: number) => {
    if (q % 2 === 0) return { query: fresh.subarray(q * DIMS, (q + 1) * DIMS), exclude: undefined }
    const row = Math.floor(random() * photos)
    return { query: vectors.subarray(row * DIMS, (row + 1) * DIMS), exclude: ids[row] }
  }
  log(`${photos}: ${queries} queries`)
  for (let q = 0; q < WARMUP; q++) await index.query(pick(q).query, K)
  const wall: number[] = []
  const cpu: number[] = []
  let admitted = 0
  let rescored = 0
  let exact = 0
  let checked = 0
  let bruteMs = 0
  for (let q = 0; q < queries; q++) {
    const { query, exclude } = pick(WARMUP + q)
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const got = await index.query(query, K, { exclude })
    wall.push(performance.now() - t0)
    const c = process.cpuUsage(cpu0)
    cpu.push((c.user + c.system) / 1000)
    admitted += index.lastQueryStats.admitted
    rescored += index.lastQueryStats.rescored
    if (q % Math.max(1, Math.floor(queries / EXACTNESS_SAMPLE)) === 0 && checked < EXACTNESS_SAMPLE) {
      const b0 = performance.now()
      const expected = bruteForce(ids, vectors, query, exclude)
      bruteMs += performance.now() - b0
      checked++
      if (JSON.stringify(got) === JSON.stringify(expected)) exact++
    }
  }

  log(`${photos}: MLAS float32 baseline`)
  const matmul = await MatMul.create(1)
  const mlas: number[] = []
  for (let r = 0; r < MLAS_RUNS + 3; r++) {
    const t0 = performance.now()
    await matmul.run(vectors, photos, DIMS, fresh.subarray(0, DIMS), 1)
    if (r >= 3) mlas.push(performance.now() - t0)
  }
  await matmul.close()

  const query = summary(wall)
  const target = TARGET_P50_MS[photos]
  const result: Json = {
    photos,
    buildMs: Math.round(buildMs),
    buildRowsPerSecond: Math.round(photos / (buildMs / 1000)),
    memoryBytes: index.memoryBytes(),
    memoryMiB: MiB(index.memoryBytes()),
    // After a full GC: the JS heap (ids, map) plus ArrayBuffers (the float32 matrix and, in Node, the
    // WebAssembly memory); and the resident set, which also keeps pages the allocator has not returned.
    measuredGrowthMiB: {
      heapPlusArrayBuffers: MiB(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers),
      rss: MiB(after.rss - before.rss),
    },
    queries,
    queryMs: query,
    queryCpuMs: summary(cpu),
    exactness: exact / checked,
    exactnessChecked: checked,
    avgAdmitted: Math.round(admitted / queries),
    avgRescored: Math.round(rescored / queries),
    baselines: {
      bruteForceJsMsPerQuery: round(bruteMs / checked),
      mlasFloat32ScanMs: summary(mlas),
    },
  }
  if (target !== undefined) {
    result.targetP50Ms = target
    result.met = (query.p50 as number) <= target && exact === checked
  }
  await index.close()
  return result
}

export async function benchSimilarity(): Promise<Json> {
  const sizes = (process.env.TESSERA_BENCH_SIMILARITY_SIZES ?? '100000,1000000').split(',').map(Number)
  const queries = Number(process.env.TESSERA_BENCH_SIMILARITY_QUERIES ?? 200)
  const loadBefore = os.loadavg()[0]!
  const results: Json[] = []
  for (const [i, photos] of sizes.entries()) results.push(await benchSize(photos, queries, 1234 + i))
  const kernel = new SimilarityIndex(DIMS).simd ? 'wasm-simd-int8 + exact float64 re-rank' : 'js-fallback'
  return {
    dims: DIMS,
    k: K,
    clusters: CENTRES,
    noisePerComponent: NOISE,
    warmupQueries: WARMUP,
    kernel,
    loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(os.loadavg()[0]!.toFixed(2)) },
    sizes: results,
    met: results.every((r) => r.met !== false),
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(await benchSimilarity(), null, 2) + '\n')
}
