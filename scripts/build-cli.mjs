#!/usr/bin/env node
// @ts-check
/**
 * Builds the `tessera` CLI into out/cli with esbuild: out/cli/tessera.js (src/cli/main.ts), the browser-mode
 * server out/cli/tessera-serve.js (src/server/main.ts, what `npm run serve` runs), the worker
 * entries its code starts (emitted beside it under the names src/engine/worker-module.ts looks for), and
 * shared chunks, all in one folder. Packages stay external: onnxruntime-node, sharp, LanceDB and the rest
 * load from node_modules as usual. Code splitting keeps each command's dependencies in chunks loaded only
 * when the command runs, so `tessera --help` never loads ONNX, LanceDB or sharp.
 *
 * Two packages are treated apart, for start-up time (`tessera status` loads LanceDB and little else):
 * - apache-arrow: LanceDB (CommonJS) `require`s Arrow's CommonJS build; an ESM `import` would load its
 *   other, ESM build as well (some 130 more files). Our imports are pointed at the CommonJS copy LanceDB
 *   uses, so Arrow loads once and the schemas we build are that copy's classes.
 * - zod: bundled into the chunks that use it (one file read instead of about a hundred).
 *
 * Also writes out/cli/inputs.json (the source files the bundle was built from), which bin/tessera.js checks
 * to tell a stale bundle.
 *
 * Usage: node scripts/build-cli.mjs [--if-stale]   (npm run build:cli)
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { OUT_DIR, REPO, staleReason } from './build-cli-state.mjs'

/** Output name → source. Worker entries keep their source's base name (see worker-module.ts). */
const ENTRIES = {
  tessera: 'src/cli/main.ts',
  'tessera-serve': 'src/server/main.ts',
  'embed-worker-entry': 'src/engine/embed/embed-worker-entry.ts',
  'heic-worker-entry': 'src/engine/decode/heic-worker-entry.ts',
  'map-layout-worker-entry': 'src/host/map-layout-worker-entry.ts',
  'train-worker-entry': 'src/engine/train/train-worker-entry.ts',
  'verify-worker-entry': 'src/engine/dupes/verify-worker-entry.ts',
}

const requireFromRepo = createRequire(path.join(REPO, 'package.json'))
const ARROW_NAMESPACE = 'arrow-cjs'

/** See the header: `apache-arrow` resolves to LanceDB's CommonJS copy, zod is bundled. */
const startupPackages = {
  name: 'startup-packages',
  /** @param {import('esbuild').PluginBuild} build */
  setup(build) {
    build.onResolve({ filter: /^apache-arrow$/ }, () => ({
      path: 'apache-arrow',
      namespace: ARROW_NAMESPACE,
    }))
    build.onLoad({ filter: /.*/, namespace: ARROW_NAMESPACE }, () => {
      const names = Object.keys(requireFromRepo('apache-arrow')).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n))
      return {
        loader: 'js',
        contents: [
          `import { createRequire } from 'node:module'`,
          `const arrow = createRequire(import.meta.url)('apache-arrow')`,
          `export default arrow`,
          ...names.map((n) => `export const ${n} = arrow.${n}`),
        ].join('\n'),
      }
    })
    build.onResolve({ filter: /^zod$/ }, () => ({
      path: fileURLToPath(import.meta.resolve('zod')),
    }))
  },
}

/** Old chunks are kept a while for CLIs still running from them (they load chunks lazily). */
const KEEP_OLD_CHUNKS_MS = 60 * 60 * 1000

/**
 * Builds out/cli; returns how long it took, in milliseconds. Every file is written to a temporary name and
 * renamed into place, and chunks of earlier builds stay for an hour, so a CLI started from the previous
 * build (another test run, say) keeps working while this one lands.
 */
export async function buildCli() {
  const started = performance.now()
  const builtAt = Date.now()
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: Object.fromEntries(
      Object.entries(ENTRIES).map(([name, source]) => [name, path.join(REPO, source)]),
    ),
    outdir: OUT_DIR,
    // Entries and chunks side by side: code in any chunk finds `./<name>-worker-entry.js` beside itself.
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    plugins: [startupPackages],
    write: false,
    logLevel: 'warning',
  })
  await fs.mkdir(OUT_DIR, { recursive: true })
  const written = new Set()
  for (const file of result.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`
    await fs.writeFile(temporary, file.contents)
    await fs.rename(temporary, file.path)
    written.add(path.basename(file.path))
  }
  for (const name of await fs.readdir(OUT_DIR)) {
    if (!name.startsWith('chunk-') || written.has(name)) continue
    const file = path.join(OUT_DIR, name)
    const stat = await fs.stat(file).catch(() => null)
    if (stat && Date.now() - stat.mtimeMs > KEEP_OLD_CHUNKS_MS) await fs.rm(file, { force: true })
  }
  const inputs = Object.keys(result.metafile.inputs)
    // Source files only: not packages, nor the generated Arrow module (namespace `arrow-cjs:`).
    .filter((file) => !file.includes('node_modules') && !file.startsWith(`${ARROW_NAMESPACE}:`))
    .sort()
  await fs.writeFile(path.join(OUT_DIR, 'package.json'), '{ "type": "module" }\n')
  const state = path.join(OUT_DIR, 'inputs.json')
  await fs.writeFile(`${state}.${process.pid}.tmp`, `${JSON.stringify({ builtAt, inputs }, null, 1)}\n`)
  await fs.rename(`${state}.${process.pid}.tmp`, state)
  return performance.now() - started
}

/** Builds out/cli unless it is up to date; returns whether it built. */
export async function buildCliIfStale() {
  if (staleReason() === null) return false
  await buildCli()
  return true
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  if (process.argv.includes('--if-stale') && staleReason() === null) process.exit(0)
  const ms = await buildCli()
  process.stdout.write(`Built ${path.relative(process.cwd(), OUT_DIR) || '.'} in ${Math.round(ms)} ms\n`)
}
