/**
 * `npm run bench`: the speed and memory figures the issues set targets for, measured on this machine and
 * written to bench/results/latest.json (and a dated copy) plus a Markdown table, bench/results/latest.md.
 *
 * Sections (all by default, or `npm run bench -- indexing rescan`):
 * - indexing: decode-only floor vs full indexing on the same 12 MP camera JPEGs, their ratio, peak RSS.
 * - rescan: an unchanged rescan of 10,000 indexed files.
 * - similarity: similar-photo query p50/p95 at 100,000 and 1,000,000 vectors, exactness, memory.
 * - dupes: duplicate detection over 100,000 photos.
 * - training: seconds per epoch of the ArcFace head at 10,000 and 100,000 photos, 100 albums.
 * - reprojection: applying a new head to 100,000 photos (no decoding).
 * - renderer: the interface in Chromium (browser mode) with 100,000 photos: time to first grid paint, and
 *   frames per second while scrolling the grid.
 *
 * Each measurement runs in a child process of its own, so peak RSS is that phase's alone.
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeCameraJpegs, makeSmallDistinctImages } from './corpus.js'
import { benchSimilarity } from './similarity.js'
import { benchDupes } from './dupes.js'
import { benchTraining } from './training.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..')
const CACHE = process.env.TESSERA_BENCH_CACHE ?? path.join(os.tmpdir(), 'tessera-bench-cache')
const CAMERA_PHOTOS = Number(process.env.TESSERA_BENCH_CAMERA ?? 160)
const RESCAN_FILES = Number(process.env.TESSERA_BENCH_RESCAN ?? 10_000)
const MIRROR = process.env.TESSERA_MODEL_MIRROR ?? path.resolve(REPO, '..', 'shared', 'models')

type Json = Record<string, unknown>

function phase(script: string, args: string[]): Promise<Json> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'phases', script), ...args], {
      env: { ...process.env, TESSERA_MODEL_MIRROR: MIRROR },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`))
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Json)
    })
  })
}

async function freshDir(name: string): Promise<string> {
  const dir = path.join(CACHE, name)
  await fs.rm(dir, { recursive: true, force: true })
  return dir
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

async function benchIndexing(): Promise<Json> {
  log(`making ${CAMERA_PHOTOS} camera JPEGs (12 MP; cached in ${CACHE})`)
  const photos = await makeCameraJpegs(path.join(CACHE, 'camera'), CAMERA_PHOTOS)
  const list = path.join(CACHE, 'camera-list.json')
  await fs.writeFile(list, JSON.stringify(photos))
  // Both phases read the files from the page cache: warm it first, so neither pays for the disk.
  for (const p of photos) await fs.readFile(p)
  log('decode-only floor')
  const floor = await phase('decode-floor.ts', [list])
  log('full indexing')
  const library = await freshDir('camera-library')
  const full = await phase('index.ts', [path.join(CACHE, 'camera'), library])
  const ratio = (full.photosPerSecond as number) / (floor.photosPerSecond as number)
  // Both phases are CPU-bound on every core, so on a machine doing nothing else the throughput ratio is the
  // ratio of CPU time per photo; it is also the steadier figure on a shared machine.
  const cpuRatio = (floor.cpuMsPerPhoto as number) / (full.cpuMsPerPhoto as number)
  return {
    cpuRatio: Number(cpuRatio.toFixed(3)),
    photos: photos.length,
    megapixels: 12,
    decodeOnly: floor,
    indexing: full,
    ratio: Number(ratio.toFixed(3)),
    target: '>= 0.8',
    met: ratio >= 0.8 && cpuRatio >= 0.8,
  }
}

async function benchReprojection(): Promise<Json> {
  log('re-projecting 100,000 photos with a new head')
  const r = await phase('reproject.ts', ['100000'])
  return { ...r, what: 'every stored feature through Dense(1280→64) + L2, written in one commit' }
}

async function benchRescan(): Promise<Json> {
  log(`making ${RESCAN_FILES} small distinct images`)
  const dir = path.join(CACHE, 'small')
  await makeSmallDistinctImages(dir, RESCAN_FILES)
  const library = path.join(CACHE, `small-library-${RESCAN_FILES}`)
  log('indexing them (once; kept in the cache for later runs)')
  const first = await phase('index.ts', [dir, library])
  log('unchanged rescan')
  const rescan = await phase('index.ts', [dir, library, 'rescan'])
  return {
    files: RESCAN_FILES,
    firstIndex: first,
    rescan,
    target: '< 1 s',
    met: (rescan.seconds as number) < 1 && rescan.unchanged === RESCAN_FILES && rescan.decoded === 0,
  }
}

const SECTIONS: Record<string, () => Promise<Json>> = {
  indexing: benchIndexing,
  rescan: benchRescan,
  similarity: benchSimilarity,
  dupes: benchDupes,
  training: benchTraining,
  reprojection: benchReprojection,
  renderer: async () => {
    // Type-checked with the DOM library (tsconfig.e2e.json): its page scripts run in Chromium.
    const rendererBench = './renderer.js'
    const { benchRenderer } = (await import(rendererBench)) as {
      benchRenderer: (cacheDir: string, log: (m: string) => void) => Promise<Json>
    }
    return benchRenderer(CACHE, log)
  },
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim()
  } catch {
    return 'unknown'
  }
}

function markdown(results: Json): string {
  const lines = [
    `# Benchmark results`,
    '',
    `${results.date} · commit ${results.commit} · ${results.machine}`,
    '',
  ]
  const idx = results.indexing as Json | undefined
  if (idx) {
    const f = idx.decodeOnly as Json
    const i = idx.indexing as Json
    lines.push(
      '## Indexing (12 MP camera JPEGs)',
      '',
      '| | photos/s | peak RSS |',
      '|---|---|---|',
      `| decode only (sharp → 224×224) | ${(f.photosPerSecond as number).toFixed(2)} | ${(f.peakRssMiB as number).toFixed(0)} MiB |`,
      `| full indexing (${i.provider}) | ${(i.photosPerSecond as number).toFixed(2)} | ${(i.peakRssMiB as number).toFixed(0)} MiB |`,
      '',
      `Ratio ${idx.ratio} (target ${idx.target}): ${idx.met ? 'met' : 'NOT met'}. CPU time per photo: decode only ${(f.cpuMsPerPhoto as number).toFixed(1)} ms, indexing ${(i.cpuMsPerPhoto as number).toFixed(1)} ms (ratio ${idx.cpuRatio}).`,
      '',
    )
  }
  const rs = results.rescan as Json | undefined
  if (rs) {
    const r = rs.rescan as Json
    lines.push(
      `## Unchanged rescan of ${rs.files} files`,
      '',
      `${(r.seconds as number).toFixed(3)} s (target ${rs.target}): ${rs.met ? 'met' : 'NOT met'}; peak RSS ${(r.peakRssMiB as number).toFixed(0)} MiB.`,
      '',
    )
  }
  const ui = results.renderer as Json | undefined
  if (ui) {
    const paint = ui.firstGridPaintMs as Json
    const scroll = ui.scrolling as Json
    lines.push(
      `## Interface with ${ui.photos} photos (browser mode, Chromium)`,
      '',
      `First grid paint: ${paint.median} ms (median of ${(paint.runs as number[]).join(', ')} ms). Scrolling: ${scroll.fps} frames/s over ${scroll.seconds} s, ${scroll.framesOver50ms} frames over 50 ms, worst ${scroll.worstFrameMs} ms, ${scroll.mountedTiles} tiles mounted; when it stopped, ${scroll.thumbnailsShown} of the ${scroll.tilesOnScreen} tiles on screen showed their thumbnail. ${ui.browser}.`,
      '',
    )
  }
  for (const name of ['similarity', 'dupes', 'training', 'reprojection']) {
    const section = results[name]
    if (section) lines.push(`## ${name}`, '', '```json', JSON.stringify(section, null, 2), '```', '')
  }
  return lines.join('\n')
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const names = wanted.length > 0 ? wanted : Object.keys(SECTIONS)
for (const n of names)
  if (!SECTIONS[n]) throw new Error(`Unknown section "${n}" (${Object.keys(SECTIONS).join(', ')})`)
const resultsDir = path.join(HERE, 'results')
const latest = path.join(resultsDir, 'latest.json')
// Sections not run this time keep their previous figures.
const previous = JSON.parse(await fs.readFile(latest, 'utf8').catch(() => '{}')) as Json
const results: Json = {
  ...previous,
  date: new Date().toISOString(),
  commit: gitCommit(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
}
for (const n of names) {
  results[n] = await SECTIONS[n]!()
  log(`${n}: done`)
}
await fs.mkdir(resultsDir, { recursive: true })
await fs.writeFile(latest, JSON.stringify(results, null, 2) + '\n')
await fs.writeFile(path.join(resultsDir, 'latest.md'), markdown(results))
process.stdout.write(markdown(results) + '\n')
