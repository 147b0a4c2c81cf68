/**
 * `npm run bench`: the speed, memory and quality figures the issues set targets for, measured on this machine
 * and written to bench/results/latest.json, one entry per section with its own commit, date, machine and
 * load; bench/results/latest.md and the README's figure tables are then regenerated from that file
 * (scripts/readme-figures.ts). A run replaces only the sections it ran.
 *
 * Sections (all by default, or some: `npm run bench -- indexing rescan startup`):
 * - startup: `tessera --help` and `tessera status`, median wall time of 10 runs each.
 * - indexing: on the same 12 MP camera JPEGs in the same run, decode only, decode + embed (the floor) and
 *   `tessera index` (a fresh library, start-up included); their ratio and peak RSS.
 * - rescan: `tessera index` on an unchanged library of 100,000 files, start-up included.
 * - copies: `tessera index` on 20,000 hard links to 5 camera JPEGs (5 decoded, the rest stored as copies).
 * - eval: `tessera eval --train-split 0.5` on seed-5class and flowers17-40 (retrieval mP@5, personalisation).
 * - similarity: similar-photo query p50/p95 at 100,000 and 1,000,000 vectors, exactness, memory.
 * - dupes: duplicate detection over 100,000 photos.
 * - training: seconds per epoch of the ArcFace head at 10,000 and 100,000 photos, 100 albums.
 * - reprojection: applying a new head to 100,000 photos (no decoding).
 * - renderer: the interface in Chromium (browser mode) with 100,000 photos: time to first grid paint, and
 *   frames per second while scrolling the grid.
 * - suite: `npm test` in this working tree (vitest, then the interface build and Playwright), wall and CPU
 *   time of each step; some 8 minutes.
 *
 * Sizes: TESSERA_BENCH_CAMERA (photos, default 400), TESSERA_BENCH_RESCAN (files, default 100,000),
 * TESSERA_BENCH_ROUNDS (indexing rounds, default 2). Corpora are cached in TESSERA_BENCH_CACHE (default
 * $TMPDIR/tessera-bench-cache), outside the repository.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchCli, benchEval, benchIndexing, benchRescan, phase } from './cli.js'
import { benchSimilarity } from './similarity.js'
import { benchDupes } from './dupes.js'
import { benchCopies } from './copies.js'
import { benchTraining } from './training.js'
import { benchSuite } from './suite.js'
import {
  RESULTS_DIR,
  RESULTS_FILE,
  RESULTS_MD,
  gitCommit,
  loadAverage,
  machine,
  readResults,
  serializeResults,
  withSection,
  type Json,
} from './results.js'
import { generate } from './figures.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..')
const CACHE = process.env.TESSERA_BENCH_CACHE ?? path.join(os.tmpdir(), 'tessera-bench-cache')
process.env.TESSERA_MODEL_MIRROR ??= path.resolve(REPO, '..', 'shared', 'models')

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

const SECTIONS: Record<string, () => Promise<Json>> = {
  startup: () => benchCli(CACHE, log),
  indexing: () => benchIndexing(CACHE, log),
  rescan: () => benchRescan(CACHE, log),
  copies: () => benchCopies(CACHE, log),
  eval: () => benchEval(log),
  similarity: benchSimilarity,
  dupes: benchDupes,
  training: benchTraining,
  reprojection: async () => {
    log('re-projecting 100,000 photos with a new head')
    const r = await phase('reproject.ts', ['100000'])
    return { ...r, what: 'every stored feature through Dense(1280→64) + L2, written in one commit' }
  },
  renderer: async () => {
    // Type-checked with the DOM library (tsconfig.e2e.json): its page scripts run in Chromium.
    const rendererBench = './renderer.js'
    const { benchRenderer } = (await import(rendererBench)) as {
      benchRenderer: (cacheDir: string, log: (m: string) => void) => Promise<Json>
    }
    return benchRenderer(CACHE, log)
  },
  suite: () => benchSuite(log),
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const names = wanted.length > 0 ? wanted : Object.keys(SECTIONS)
for (const n of names)
  if (!SECTIONS[n]) throw new Error(`Unknown section "${n}" (${Object.keys(SECTIONS).join(', ')})`)
await fs.mkdir(RESULTS_DIR, { recursive: true })
for (const n of names) {
  const before = loadAverage()
  const figures = await SECTIONS[n]!()
  const section = {
    commit: gitCommit(),
    date: new Date().toISOString(),
    machine: machine(),
    load: { before, after: loadAverage() },
    figures,
  }
  // Written after each section, so an interrupted run keeps what it measured; other sections keep theirs.
  await fs.writeFile(RESULTS_FILE, serializeResults(withSection(await readResults(), n, section)))
  log(`${n}: done`)
}
const readmePath = path.join(REPO, 'README.md')
const generated = await generate(await fs.readFile(readmePath, 'utf8'))
await fs.writeFile(readmePath, generated.readme)
await fs.writeFile(RESULTS_MD, generated.resultsMd)
log('README.md figure tables and bench/results/latest.md regenerated')
