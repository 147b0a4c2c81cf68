// Child process: applying a new head to 100,000 photos — every stored backbone feature re-projected to a
// new 64-d embedding and written in one commit, no decoding. Prints one JSON line.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { blankPhotoRow, PhotoStore, type PhotoRow } from '../../src/engine/store/photo-store.js'
import { HeadManager } from '../../src/engine/head/head-manager.js'
import { MatMul } from '../../src/engine/linalg/ort-matmul.js'
import { seededRandom } from '../../src/engine/linalg/symmetric-eigen.js'
import type { Head } from '../../src/engine/head/head.js'

const N = Number(process.argv[2] ?? 100_000)
const DIM = 1280
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-reproject-'))
const store = await PhotoStore.open(path.join(dir, 'db'))
const random = seededRandom(5)
const codec = { kind: 'uint8-affine' as const, scale: 0.02, zeroPoint: 0 }
for (let start = 0; start < N; start += 10_000) {
  const rows: PhotoRow[] = []
  for (let i = start; i < Math.min(N, start + 10_000); i++) {
    rows.push({
      ...blankPhotoRow({ id: randomUUID(), path: `/photos/${i}.jpg`, root: '/photos', size: 1, mtimeMs: 1 }),
      feature: Uint8Array.from({ length: DIM }, () => Math.floor(random() * 40)),
      featureModel: 'm@1',
    })
  }
  await store.upsert(rows)
}
await store.optimize()
let active: string | null = null
const mm = await MatMul.create()
const heads = new HeadManager({
  store,
  headsDir: path.join(dir, 'heads'),
  matmul: async () => mm,
  getActive: () => active,
  setActive: async (v) => void (active = v),
})
const head: Head = {
  version: 'bench-head',
  kind: 'arcface',
  model: 'm@1',
  codec,
  inputDim: DIM,
  outputDim: 64,
  weights: Float32Array.from({ length: DIM * 64 }, () => random() - 0.5),
  bias: new Float32Array(64),
  createdAt: new Date().toISOString(),
  fittedOn: N,
  metrics: {},
}
const cpu0 = process.cpuUsage()
const started = performance.now()
const reprojected = await heads.activate(head)
const seconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpu0)
const check = await store.count(`headVersion = 'bench-head'`)
store.close()
await mm.close()
await fs.rm(dir, { recursive: true, force: true })
process.stdout.write(
  JSON.stringify({
    photos: N,
    reprojected,
    allOnNewHead: check === N,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
)
