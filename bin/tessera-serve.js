#!/usr/bin/env node
// Runs the built browser-mode server, out/cli/tessera-serve.js (`npm run serve`), as bin/tessera.js runs the
// CLI: from sources through tsx when the build is missing or stale.
import { SERVE_BUNDLE, runEntry } from '../scripts/build-cli-state.mjs'

await runEntry(SERVE_BUNDLE, 'src/server/main.ts', 'tessera-serve')
