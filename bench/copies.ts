/**
 * `npm run bench -- copies`: indexing a folder of many exact copies (issue 10, point 4). 20,000 hard links
 * to 5 camera JPEGs (12 MP), indexed by `tessera index` into a fresh library, start-up included: every file
 * is read and hashed, 5 are decoded and embedded, the others are stored as copies of them (the copies found
 * while their first one is still being decoded wait for it). Wall time, CPU time and peak RSS.
 * Size: TESSERA_BENCH_COPIES (files, default 20,000).
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { tessera } from './cli.js'
import { makeCameraJpegs } from './corpus.js'
import type { Json } from './results.js'

const IMAGES = 5
/** ext4 allows 65,000 links to one file: 20,000 over 5 files stays far below. */
const FOLDER_FILES = 1000

export async function benchCopies(cache: string, log: (m: string) => void): Promise<Json> {
  const files = Number(process.env.TESSERA_BENCH_COPIES ?? 20_000)
  const originals = (await makeCameraJpegs(path.join(cache, 'camera'), IMAGES)).slice(0, IMAGES)
  const dir = path.join(cache, `copies-${files}`)
  log(`copies: ${files} hard links to ${IMAGES} camera JPEGs in ${dir}`)
  await fs.rm(dir, { recursive: true, force: true })
  for (let i = 0; i < files; i++) {
    // Interleaved, as a copied folder tree would be: copy k of every image, then copy k + 1.
    const folder = path.join(dir, `folder-${String(Math.floor(i / FOLDER_FILES)).padStart(3, '0')}`)
    if (i % FOLDER_FILES === 0) await fs.mkdir(folder, { recursive: true })
    await fs.link(originals[i % IMAGES]!, path.join(folder, `IMG_${String(i).padStart(6, '0')}.jpg`))
  }
  const library = path.join(cache, 'copies-library')
  await fs.rm(library, { recursive: true, force: true })
  log('copies: tessera index')
  const run = await tessera(['index', dir, '--library', library, '--json', '--quiet'])
  const summary = JSON.parse(run.stdout) as Json
  if (summary.decoded !== IMAGES || summary.copies !== files - IMAGES)
    throw new Error(`decoded ${String(summary.decoded)} and copied ${String(summary.copies)} of ${files}`)
  await fs.rm(library, { recursive: true, force: true })
  return {
    files,
    images: IMAGES,
    decoded: summary.decoded,
    copies: summary.copies,
    seconds: Number(run.seconds.toFixed(2)),
    filesPerSecond: Number((files / run.seconds).toFixed(0)),
    engineSeconds: summary.seconds,
    cpuSeconds: run.cpuSeconds,
    peakRssMiB: run.peakRssMiB,
    command: 'tessera index DIR --library FRESH --json',
    before: 'every copy decoded: 335 s and 1.06 GB for 20,000 hard links of 5 images (issue 10)',
  }
}
