/**
 * `tessera status` opens the engine read-only and loads none of the heavy modules: decoding (sharp, exifr),
 * inference and matrix products (onnxruntime-node, onnx-proto), watching (chokidar), pair checks (OpenCV).
 * The engine's adapters and services import those on first use. The check runs the built CLI (out/cli)
 * with a preloaded module that makes those packages impossible to load, by `import` and by `require`.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyPhotos, MIRROR, REPO, runCli, runNode, seedPhotos, tempDir, type CliResult } from '../support.js'

const HEAVY = ['sharp', 'onnxruntime-node', 'chokidar', 'exifr', 'onnx-proto', '@techstark/opencv-js']
/**
 * Blocked for `import` only: Arrow's ESM build. LanceDB `require`s Arrow's CommonJS build, and the bundle
 * points our imports at that same copy (scripts/build-cli.mjs), so Arrow loads once.
 */
const IMPORT_ONLY = ['apache-arrow']
const BIN = path.join(REPO, 'bin', 'tessera.js')

let work: string
let blocker: string
beforeAll(async () => {
  work = await tempDir('cli-status-startup')
  blocker = await writeBlocker(work, HEAVY, IMPORT_ONLY)
})
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

/** A regular expression source matching the package names and their subpaths. */
const packagePattern = (names: string[]) =>
  `^(${names.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})(/|$)`

/**
 * A module to `--import` that makes `names` impossible to load: an ESM resolve hook for `import`, and a
 * patched CommonJS loader for `require` (which Node 20's module hooks do not see). `importOnly` names are
 * blocked for `import` alone.
 */
async function writeBlocker(dir: string, names: string[], importOnly: string[]): Promise<string> {
  const pattern = packagePattern(names)
  const hooks = path.join(dir, 'block-heavy-hooks.mjs')
  await fs.writeFile(
    hooks,
    `const blocked = new RegExp(${JSON.stringify(packagePattern([...names, ...importOnly]))})
export async function resolve(specifier, context, next) {
  if (blocked.test(specifier)) throw new Error('blocked by the test: ' + specifier)
  return next(specifier, context)
}
`,
  )
  const file = path.join(dir, 'block-heavy.mjs')
  await fs.writeFile(
    file,
    `import Module, { register } from 'node:module'
const blocked = new RegExp(${JSON.stringify(pattern)})
const load = Module._load
Module._load = function (request, ...rest) {
  if (blocked.test(request)) throw new Error('blocked by the test: ' + request)
  return load.call(this, request, ...rest)
}
register(${JSON.stringify(pathToFileURL(hooks).href)})
`,
  )
  return file
}

/** `node --import <blocker> <script> args`, with no test-runner loaders in the environment. */
function blocked(script: string, args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_MODEL_MIRROR: MIRROR, TESSERA_CLI_BUILT: '1' }
  return runNode(['--import', blocker, script, ...args], { cwd: work, env, plain: true })
}

describe('tessera status', () => {
  it('the blocker stops every heavy package, by import and by require (so the check below can fail)', async () => {
    const probe = path.join(work, 'probe.mjs')
    await fs.writeFile(
      probe,
      `import { createRequire } from 'node:module'
const require = createRequire(${JSON.stringify(path.join(REPO, 'package.json'))})
const outcome = {}
for (const name of ${JSON.stringify([...HEAVY, ...IMPORT_ONLY])}) {
  const imported = await import(name).then(() => 'loaded', (e) => String(e.message))
  let required
  try { require(name); required = 'loaded' } catch (e) { required = String(e.message) }
  outcome[name] = { imported, required }
}
console.log(JSON.stringify(outcome))
`,
    )
    const res = await blocked(probe, [])
    expect(res.stderr).toBe('')
    const outcome = JSON.parse(res.stdout) as Record<string, { imported: string; required: string }>
    for (const name of HEAVY) {
      expect(outcome[name]!.imported).toContain(`blocked by the test: ${name}`)
      expect(outcome[name]!.required).toContain(`blocked by the test: ${name}`)
    }
    expect(outcome['apache-arrow']).toEqual({
      imported: expect.stringContaining('blocked by the test: apache-arrow'),
      required: 'loaded',
    })
  })

  it('reports an indexed library without loading sharp, onnxruntime, onnx-proto, chokidar, exifr, OpenCV or a second Arrow', async () => {
    const photos = path.join(work, 'photos')
    const seed = await seedPhotos(3)
    // Two photos of each class in the library; a third one stays outside it.
    await copyPhotos(
      seed.filter((_, i) => i % 3 < 2),
      photos,
    )
    const library = path.join(work, 'library')
    const indexed = await runCli(['index', photos, '--library', library, '--json', '-q'])
    expect(indexed.code).toBe(0)
    expect(JSON.parse(indexed.stdout)).toMatchObject({ indexed: 10, failed: [], pending: 0 })

    const json = await blocked(BIN, ['status', '--library', library, '--json'])
    expect(json.stderr).toBe('')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({
      library,
      roots: [photos],
      photos: 10,
      embedded: 10,
      pending: 0,
      failed: 0,
      model: 'mobilenetv2-12-int8',
      lastProvider: { provider: 'cpu' },
    })
    expect(JSON.parse(json.stdout).head).toMatch(/^pca-/)

    const text = await blocked(BIN, ['status', '--library', library, '--problems'])
    expect(text.stderr).toBe('')
    expect(text.code).toBe(0)
    expect(text.stdout.trim()).toBe('No problems.')

    // A command that decodes does need them: the same block makes it fail.
    const similar = await blocked(BIN, ['similar', seed[2]!, '--library', library])
    expect(similar.code).toBe(2)
    expect(similar.stderr).toContain('blocked by the test')
  })
})
