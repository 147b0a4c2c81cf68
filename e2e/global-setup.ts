/**
 * Playwright global setup: builds out/cli (the CLI and the browser-mode server, scripts/build-cli.mjs) when it
 * is missing or older than its sources, as test/global-setup.ts does for vitest, so every test's server starts
 * from the bundle (some 0.5 s) instead of transpiling the sources through tsx (2 to 3 s of CPU each).
 * TESSERA_CLI_BUILT=1, inherited by the workers and the servers they start, then skips the age check.
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
