/**
 * Vitest global setup: builds the CLI (out/cli, scripts/build-cli.mjs) once before the tests when it is
 * missing or older than its sources, so every test that spawns `bin/tessera.js` runs the fresh bundle.
 * TESSERA_CLI_BUILT=1 (inherited by the test processes and the CLIs they spawn) then tells bin/tessera.js
 * to use it as it is: a source edited while the suite runs does not switch later CLIs to tsx halfway.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export default function setup(): void {
  execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build-cli.mjs'), '--if-stale'], {
    cwd: REPO,
    stdio: 'inherit',
  })
  process.env.TESSERA_CLI_BUILT = '1'
}
