/**
 * Playwright global setup: builds out/cli when it is stale (test/build-cli-once.ts), so every test's server
 * starts from the bundle, out/cli/tessera-serve.js (some 1 s of CPU), instead of transpiling the sources
 * through tsx (about 3 s of CPU each).
 */
import { buildCliOnce } from '../test/build-cli-once'

export default function setup(): void {
  buildCliOnce()
}
