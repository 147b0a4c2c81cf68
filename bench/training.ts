/**
 * Training the ArcFace head: seconds per epoch over synthetic libraries of 10,000 and 100,000 labelled photos
 * in 100 albums (1280-d backbone features, as the default pack stores them), and peak memory.
 *
 * The features are clustered like real ones (an album centre plus noise, non-negative as pooled ReLU outputs
 * are); the figures do not depend on the values, only on the sizes. Each size runs in a child process of its
 * own, so its peak RSS is that size's alone. Training starts from a given head (the app passes the library's
 * PCA head), with the default settings; the first epoch's time includes the start-up (class centres, the
 * ONNX session), the per-epoch figure is the median of the later ones, wall clock and CPU time.
 *
 * Called by bench/run.ts, or alone: `npx tsx bench/training.ts` prints JSON. Environment:
 * TESSERA_BENCH_TRAINING_SIZES (default "10000,100000"), TESSERA_BENCH_TRAINING_EPOCHS (default 3).
 */
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { seededRandom } from '../src/engine/linalg/symmetric-eigen.js'
import { TRAIN_DEFAULTS, trainHead, type TrainProgress } from '../src/engine/train/train-head.js'

type Json = Record<string, unknown>

const DIMS = 1280
const ALBUMS = 100
const HEAD_DIMS = 64
const HERE = fileURLToPath(import.meta.url)

function log(message: string): void {
  process.stderr.write(`[bench:training] ${message}\n`)
}

const MiB = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1))
const round = (x: number, digits = 3) => Number(x.toFixed(digits))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** n photos in `albums` albums: centre (sparse, non-negative) plus noise, clamped at 0. */
function syntheticLibrary(n: number, albums: number, seed: number) {
  const random = seededRandom(seed)
  const centres = new Float32Array(albums * DIMS)
  for (let i = 0; i < centres.length; i++) centres[i] = random() < 0.3 ? random() * 3 : 0
  const features = new Float32Array(n * DIMS)
  const labels: number[][] = new Array(n)
  for (let i = 0; i < n; i++) {
    const album = i % albums
    labels[i] = [album]
    const o = i * DIMS
    const c = album * DIMS
    for (let j = 0; j < DIMS; j++) features[o + j] = Math.max(0, centres[c + j]! + (random() - 0.5) * 2)
  }
  const init = { weights: new Float32Array(DIMS * HEAD_DIMS), bias: new Float32Array(HEAD_DIMS) }
  for (let i = 0; i < init.weights.length; i++) init.weights[i] = (random() - 0.5) / Math.sqrt(DIMS)
  return { features, labels, classNames: Array.from({ length: albums }, (_, a) => `album ${a + 1}`), init }
}

/** One size, in this process (the child). */
async function measure(photos: number, epochs: number): Promise<Json> {
  const data = syntheticLibrary(photos, ALBUMS, 7)
  const marks: Array<{ wall: number; cpu: number }> = []
  const mark = () => {
    const c = process.cpuUsage()
    marks.push({ wall: performance.now(), cpu: (c.user + c.system) / 1000 })
  }
  mark()
  const history: TrainProgress[] = []
  const result = await trainHead(
    { features: data.features, dim: DIMS, labels: data.labels, classNames: data.classNames },
    {
      epochs,
      init: data.init,
      onProgress: (e) => {
        mark()
        history.push(e)
      },
    },
  )
  const wall = marks.slice(1).map((m, i) => (m.wall - marks[i]!.wall) / 1000)
  const cpu = marks.slice(1).map((m, i) => (m.cpu - marks[i]!.cpu) / 1000)
  const later = (xs: number[]) => (xs.length > 1 ? xs.slice(1) : xs)
  return {
    photos,
    albums: ALBUMS,
    dims: DIMS,
    epochs,
    batchSize: result.settings.batchSize,
    stepsPerEpoch: Math.ceil(result.samples / result.settings.batchSize),
    firstEpochSeconds: round(wall[0]!),
    secondsPerEpoch: round(median(later(wall))),
    cpuSecondsPerEpoch: round(median(later(cpu))),
    photosPerSecond: Math.round(photos / median(later(wall))),
    featuresMiB: MiB(data.features.byteLength),
    peakRssMiB: MiB(process.resourceUsage().maxRSS * 1024),
    finalLoss: round(history.at(-1)!.loss),
    finalAccuracy: round(history.at(-1)!.accuracy),
  }
}

function child(photos: number, epochs: number): Promise<Json> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', HERE, '--child', String(photos), String(epochs)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let out = ''
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
    proc.on('error', reject)
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`training bench (${photos} photos) exited with ${code}`))
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Json)
    })
  })
}

export async function benchTraining(): Promise<Json> {
  const sizes = (process.env.TESSERA_BENCH_TRAINING_SIZES ?? '10000,100000').split(',').map(Number)
  const epochs = Number(process.env.TESSERA_BENCH_TRAINING_EPOCHS ?? 3)
  const loadBefore = os.loadavg()[0]!
  const results: Json[] = []
  for (const photos of sizes) {
    log(`${photos} photos, ${ALBUMS} albums, ${epochs} epochs`)
    results.push(await child(photos, epochs))
  }
  return {
    model: `Dropout(${TRAIN_DEFAULTS.dropout}) + Dense(${DIMS}→${HEAD_DIMS}) + L2 → ArcFace(s=${TRAIN_DEFAULTS.scale}, m=${TRAIN_DEFAULTS.margin})`,
    optimizer: `Adam, lr ${TRAIN_DEFAULTS.lr}, warm-up ${TRAIN_DEFAULTS.warmup * 100}% then linear decay`,
    threads: 1,
    loadAverage: { before: round(loadBefore, 2), after: round(os.loadavg()[0]!, 2) },
    sizes: results,
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === HERE
if (isMain && process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await measure(Number(process.argv[3]), Number(process.argv[4]))) + '\n')
} else if (isMain) {
  process.stdout.write(JSON.stringify(await benchTraining(), null, 2) + '\n')
}
