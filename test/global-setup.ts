/**
 * Vitest global setup: builds the CLI (out/cli) once before the tests when it is stale
 * (test/build-cli-once.ts), so every test that spawns `bin/tessera.js` or `bin/tessera-serve.js` runs the
 * fresh bundle.
 *
 * Also makes the run's cache folder, TESSERA_TEST_CACHE, where test/integration/cached-library.ts keeps the
 * libraries of the shared datasets indexed once per run, and removes it when the run ends. A folder given in
 * TESSERA_TEST_CACHE is used and kept instead (to reuse the libraries across runs while working on a test:
 * delete it when the indexing or the model changes).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildCliOnce } from './build-cli-once'

export default function setup(): () => void {
  buildCliOnce()
  if (process.env.TESSERA_TEST_CACHE) return () => {}
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-test-cache-'))
  process.env.TESSERA_TEST_CACHE = cache
  return () => fs.rmSync(cache, { recursive: true, force: true })
}
