#!/usr/bin/env node
// Runs the built CLI, out/cli/tessera.js (`npm run build:cli`, also part of `npm run build`). When that build
// is missing or older than its sources, it says so on stderr and runs the sources through tsx instead
// (slower to start). TESSERA_CLI_BUILT=1 skips the age check (the test suite, which builds it first).
import { BUNDLE, runEntry } from '../scripts/build-cli-state.mjs'

await runEntry(BUNDLE, 'src/cli/main.ts', 'tessera')
