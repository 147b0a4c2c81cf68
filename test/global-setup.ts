/**
 * Vitest global setup: builds the CLI (out/cli, scripts/build-cli.mjs) once before the tests when it is
 * missing or older than its sources, so every test that spawns `bin/tessera.js` runs the fresh bundle.
 * TESSERA_CLI_BUILT=1 (inherited by the test processes and the CLIs they spawn) then tells bin/tessera.js
 * to use it as it is: a source edited while the suite runs does not switch later CLIs to tsx halfway.
 *
 * Also makes the run's cache folder, TESSERA_TEST_CACHE, where test/integration/cached-library.ts keeps the
 * libraries of the shared datasets indexed once per run, and removes it when the run ends. A folder given in
 * TESSERA_TEST_CACHE is used and kept instead (to reuse the libraries across runs while working on a test:
 * delete it when the indexing or the model changes).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export default function setup(): () => void {
  execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build-cli.mjs'), '--if-stale'], {
    cwd: REPO,
    stdio: 'inherit',
  })
  process.env.TESSERA_CLI_BUILT = '1'
  if (process.env.TESSERA_TEST_CACHE) return () => {}
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-test-cache-'))
  process.env.TESSERA_TEST_CACHE = cache
  return () => fs.rmSync(cache, { recursive: true, force: true })
}
