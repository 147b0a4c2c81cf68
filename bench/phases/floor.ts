// Child process: the floors `tessera index` is measured against, on a list of files already in the page cache.
//   decode  — decode each file to the model input (sharp, shrink-on-load), nothing else;
//   embed   — the same, then the default model on every input: the decode + embed floor.
//   work    — what `tessera index` itself must do for each photo, minus the store and the run's start-up:
//             the content hash (sha256 of the bytes), the product's decode (decodePhoto: thumbnail, model
//             input, perceptual hashes, metadata), then the same embedding. The floor plus this work is the
//             best an indexer of the same design could reach.
// All use the engine's own code: decodeModelInputOnly or decodePhoto (src/engine/decode) and ImageEmbedder
// (src/engine/embed, inference in a worker thread). The layout is given on the command line: `lanes`
// decode-then-embed lanes, each with its own embedder of `threads` onnxruntime threads, embedding `batch`
// photos a run. Prints one JSON line.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { decodeModelInputOnly, decodePhoto } from '../../src/engine/decode/index.js'
import { ImageEmbedder } from '../../src/engine/embed/image-embedder.js'
import { ensurePack } from '../../src/engine/models/install.js'

const [listFile, mode = 'embed', lanesArg = '2', threadsArg = '1', batchArg = '1'] = process.argv.slice(2)
const files = JSON.parse(await fs.readFile(listFile!, 'utf8')) as string[]
const lanes = Number(lanesArg)
const threads = Number(threadsArg)
const batch = Number(batchArg)
const packsDir = process.env.TESSERA_BENCH_PACKS ?? path.join(os.tmpdir(), 'tessera-bench-packs')

const embedders: ImageEmbedder[] = []
const embeds = mode === 'embed' || mode === 'work'
if (embeds) {
  const { dir, manifest } = await ensurePack(packsDir, undefined, {
    mirror: process.env.TESSERA_MODEL_MIRROR,
  })
  for (let i = 0; i < lanes; i++) embedders.push(await ImageEmbedder.open(dir, manifest, { threads }))
  // One warm-up run each, so the figure is the steady state (the indexer's start-up is measured separately).
  const s = embedders[0]!.inputSize
  for (const e of embedders) await e.embed([new Uint8Array(s * s * 3)])
}

const cpu0 = process.cpuUsage()
const started = performance.now()
let next = 0
await Promise.all(
  Array.from({ length: lanes }, async (_, lane) => {
    for (;;) {
      const mine = files.slice(next, next + batch)
      next += mine.length
      if (mine.length === 0) return
      const inputs = await Promise.all(
        mine.map(async (f) => {
          const bytes = await fs.readFile(f)
          if (mode !== 'work') return decodeModelInputOnly(bytes, 224)
          createHash('sha256').update(bytes).digest('hex')
          return (await decodePhoto(bytes, { inputSize: 224 })).modelInput
        }),
      )
      if (embeds) await embedders[lane]!.embed(inputs)
    }
  }),
)
const seconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpu0)
for (const e of embedders) await e.close()
process.stdout.write(
  JSON.stringify({
    mode,
    layout: { lanes, threads, batch },
    photos: files.length,
    seconds,
    photosPerSecond: files.length / seconds,
    cpuMsPerPhoto: (cpu.user + cpu.system) / 1000 / files.length,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
)
