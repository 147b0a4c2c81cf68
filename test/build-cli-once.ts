/**
 * Builds out/cli (the `tessera` CLI, the browser-mode server and their workers: scripts/build-cli.mjs) when it
 * is missing or older than its sources, then sets TESSERA_CLI_BUILT=1, which the test processes and the
 * commands they start inherit: bin/tessera.js and bin/tessera-serve.js then run the bundle as it is, so a
 * source edited while the tests run does not switch later commands to tsx halfway. Called by the global setup
 * of vitest (test/global-setup.ts) and of Playwright (e2e/global-setup.ts).
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export function buildCliOnce(): void {
  execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build-cli.mjs'), '--if-stale'], {
    cwd: REPO,
    stdio: 'inherit',
  })
  process.env.TESSERA_CLI_BUILT = '1'
}
