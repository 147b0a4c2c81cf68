/**
 * The built CLI (out/cli, built by the suite's global setup): `--help` loads none of the heavy packages,
 * and the worker threads it starts (ONNX inference, HEIC decoding) run from the entries emitted beside the
 * bundle, under plain Node with no TypeScript loader at all. The map-layout worker is not part of the CLI:
 * it is bundled here the way the app's main build carries it, its entry emitted beside the bundle.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyPhotos, MIRROR, REPO, runNode, seedPhotos, tempDir, type CliResult } from '../support.js'

let work: string
beforeAll(async () => {
  work = await tempDir('cli-bundle')
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

const HEAVY = '@lancedb/lancedb|onnxruntime-node|sharp|tsx'

/** A module to `--import` that makes the packages matching `names` impossible to load (in workers too). */
async function blocker(names: string): Promise<string> {
  const tag = names.replace(/[^a-z]+/g, '-')
  const hooks = path.join(work, `block-${tag}-hooks.mjs`)
  await fs.writeFile(
    hooks,
    `const blocked = new RegExp(${JSON.stringify(`^(${names})(/|$)`)})
export async function resolve(specifier, context, next) {
  if (blocked.test(specifier)) throw new Error('blocked by the test: ' + specifier)
  return next(specifier, context)
}
`,
  )
  const file = path.join(work, `block-${tag}.mjs`)
  await fs.writeFile(
    file,
    `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`,
  )
  return file
}

/** `node [--import blocker] <script> args` with a clean environment (no test-runner loaders). */
async function node(
  script: string,
  args: string[],
  opts: { block?: string; cwd?: string } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_MODEL_MIRROR: MIRROR, TESSERA_CLI_BUILT: '1' }
  const pre = opts.block ? ['--import', await blocker(opts.block)] : []
  return runNode([...pre, script, ...args], { cwd: opts.cwd ?? work, env, plain: true })
}

const BIN = path.join(REPO, 'bin', 'tessera.js')
const OUT = path.join(REPO, 'out', 'cli')

describe('the bundled CLI', () => {
  it('is built with its worker entries beside it', async () => {
    const files = await fs.readdir(OUT)
    for (const name of [
      'tessera.js',
      'embed-worker-entry.js',
      'heic-worker-entry.js',
      'map-layout-worker-entry.js',
      'train-worker-entry.js',
      'verify-worker-entry.js',
    ])
      expect(files).toContain(name)
    // bin/tessera.js checks these to tell a stale build: each must be a source file that exists, or every
    // start would count the build as stale and run from sources.
    const { inputs } = JSON.parse(await fs.readFile(path.join(OUT, 'inputs.json'), 'utf8')) as {
      inputs: string[]
    }
    expect(inputs).toContain('src/cli/main.ts')
    const missing = []
    for (const input of inputs)
      if (!(await fs.stat(path.join(REPO, input)).catch(() => null))?.isFile()) missing.push(input)
    expect(missing).toEqual([])
  })

  it('answers --help without loading LanceDB, onnxruntime, sharp or tsx (and the block is real)', async () => {
    const help = await node(BIN, ['--help'], { block: HEAVY })
    expect(help.stderr).toBe('')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: tessera')
    expect(help.stdout).toContain('eval')
    // The same block makes a command that opens a library fail: the check above can fail.
    const status = await node(BIN, ['status', '--library', path.join(work, 'empty')], { block: HEAVY })
    expect(status.code).toBe(2)
    expect(status.stderr).toContain('blocked by the test')
  })

  it('indexes JPEGs and a HEIC in worker threads started from the bundle, with tsx unloadable', async () => {
    const photos = path.join(work, 'photos')
    await copyPhotos(await seedPhotos(1), photos)
    await fs.copyFile(
      path.join(REPO, 'test', 'fixtures', 'images', 'scene.heic'),
      path.join(photos, 'scene.heic'),
    )
    const library = path.join(work, 'library')
    // From another folder: the bundle finds its chunks, workers and packages wherever it is started.
    const res = await node(BIN, ['index', photos, '--library', library, '--json', '-q'], {
      block: 'tsx',
      cwd: '/',
    })
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ indexed: 6, failed: [], pending: 0, provider: 'cpu' })
    const status = await node(BIN, ['status', '--library', library, '--json'])
    expect(JSON.parse(status.stdout)).toMatchObject({ photos: 6, embedded: 6, failed: 0 })
  })

  it('runs the map-layout worker from an entry emitted beside a bundle', async () => {
    const out = path.join(work, 'map-bundle')
    await build({
      entryPoints: {
        index: path.join(REPO, 'src/host/map-layout.ts'),
        'map-layout-worker-entry': path.join(REPO, 'src/host/map-layout-worker-entry.ts'),
      },
      outdir: out,
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    })
    await fs.writeFile(path.join(out, 'package.json'), '{ "type": "module" }')
    // Packages stay external: they resolve from the repository's node_modules, as out/main's do.
    await fs.symlink(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'), 'dir')
    // Two clusters of 20 unit vectors: the layout keeps them apart.
    await fs.writeFile(
      path.join(out, 'run.js'),
      `import { computeMapLayout } from './index.js'
const dim = 8, count = 40, vectors = new Float32Array(count * dim)
for (let i = 0; i < count; i++) {
  vectors[i * dim + (i < 20 ? 0 : 1)] = 1
  vectors[i * dim + 2 + (i % 5)] = 0.3
  let n = 0; for (let d = 0; d < dim; d++) n += vectors[i * dim + d] ** 2
  for (let d = 0; d < dim; d++) vectors[i * dim + d] /= Math.sqrt(n)
}
const progress = []
const xy = await computeMapLayout({ vectors, count, dim }, { onProgress: (p) => progress.push(p) })
const centre = (from) => [0, 1].map((k) => { let s = 0; for (let i = from; i < from + 20; i++) s += xy[i * 2 + k]; return s / 20 })
const [a, b] = [centre(0), centre(20)]
console.log(JSON.stringify({ length: xy.length, inUnit: xy.every((v) => v >= 0 && v <= 1), gap: Math.hypot(a[0] - b[0], a[1] - b[1]), progress: progress.length > 0 }))
`,
    )
    const res = await node(path.join(out, 'run.js'), [], { block: 'tsx' })
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const r = JSON.parse(res.stdout)
    expect(r).toMatchObject({ length: 80, inUnit: true, progress: true })
    expect(r.gap).toBeGreaterThan(0.3)
  })
})
