// Child process: where indexing's CPU goes per photo, on top of the decode + embed floor. Each stage of the
// indexer's per-photo work runs alone, one photo at a time (no overlap, so the CPU time is the stage's own),
// with the engine's own code: the floor's decode (decodeModelInputOnly), then the indexer's decode split in
// its parts — EXIF, the one decode to the intermediate, the JPEG thumbnail, the model input, the perceptual
// hashes — the whole decodePhoto, and the file's SHA-256. Prints one JSON line: CPU ms per photo per stage.
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import sharp from 'sharp'
import { decodeWithSharp } from '../../src/engine/decode/decode-intermediate.js'
import {
  DEFAULT_MAX_PIXELS,
  decodeModelInputOnly,
  decodePhoto,
  encodeThumbnail,
  modelInputFrom,
} from '../../src/engine/decode/decode-photo.js'
import { perceptualHashes } from '../../src/engine/decode/perceptual-hash.js'
import { readMetadataOf } from '../../src/engine/decode/read-metadata.js'

const [listFile, countArg = '40', repeatArg = '2'] = process.argv.slice(2)
const files = (JSON.parse(await fs.readFile(listFile!, 'utf8')) as string[]).slice(0, Number(countArg))
const repeat = Number(repeatArg)
const bytes = await Promise.all(files.map((f) => fs.readFile(f)))
const SIZE = 224

const cpuMs: Record<string, number> = {}
async function stage<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const before = process.cpuUsage()
  const out = await fn()
  const used = process.cpuUsage(before)
  cpuMs[name] = (cpuMs[name] ?? 0) + (used.user + used.system) / 1000
  return out
}

// One untimed pass first: sharp's and exifr's first calls pay for their set-up.
await decodePhoto(bytes[0]!, { inputSize: SIZE })
await decodeModelInputOnly(bytes[0]!, SIZE)
for (let r = 0; r < repeat; r++) {
  for (const file of bytes) {
    await stage('floorDecode', () => decodeModelInputOnly(file, SIZE))
    await stage('sha256', () => createHash('sha256').update(file).digest('hex'))
    const meta = await stage('exif', () => readMetadataOf(file, 'jpeg'))
    const inter = await stage('intermediate', () =>
      decodeWithSharp(file, 'jpeg', SIZE, DEFAULT_MAX_PIXELS, undefined, meta.orientation),
    )
    await stage('thumbnail', () => encodeThumbnail(inter))
    await stage('modelInput', () => modelInputFrom(inter, SIZE))
    await stage('perceptualHashes', () => perceptualHashes(inter.rgb, inter.width, inter.height))
    await stage('decodePhoto', () => decodePhoto(file, { inputSize: SIZE }))
  }
}
const n = bytes.length * repeat
const perPhoto = Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k, Number((v / n).toFixed(2))]))
process.stdout.write(
  JSON.stringify({
    photos: bytes.length,
    repeat,
    sharpConcurrency: sharp.concurrency(),
    cpuMsPerPhoto: perPhoto,
    what: 'CPU ms per photo of each stage alone (one photo at a time); decodePhoto = exif + intermediate + thumbnail + modelInput + perceptualHashes',
  }) + '\n',
)
