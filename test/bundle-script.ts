/**
 * Bundles a TypeScript script that a test runs in child processes into one plain JavaScript file, once, so
 * each child starts with `node FILE` instead of `node --import tsx FILE` (tsx transpiles the script and
 * everything it imports at every start: a second or more of CPU per child on this 2-core machine).
 * Packages stay external; the bundle is written under node_modules/.cache so that they resolve from there.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface BundledScript {
  /** The .mjs file to run with `node`. */
  file: string
  dispose(): Promise<void>
}

export async function bundleScript(source: string): Promise<BundledScript> {
  const parent = path.join(REPO, 'node_modules', '.cache', 'tessera-test-bundles')
  await fs.mkdir(parent, { recursive: true })
  const dir = await fs.mkdtemp(path.join(parent, `${path.basename(source, '.ts')}-`))
  const file = path.join(dir, `${path.basename(source, '.ts')}.mjs`)
  await build({
    entryPoints: [source],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  })
  return { file, dispose: () => fs.rm(dir, { recursive: true, force: true }) }
}
