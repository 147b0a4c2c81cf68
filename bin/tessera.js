#!/usr/bin/env node
// Runs the built CLI, out/cli/tessera.js (`npm run build:cli`, also part of `npm run build`). When that build
// is missing or older than its sources, it says so on stderr and runs the sources through tsx instead
// (slower to start). TESSERA_CLI_BUILT=1 skips the age check (the test suite, which builds it first).
import { existsSync } from 'node:fs'
import { BUNDLE, REPO, staleReason } from '../scripts/build-cli-state.mjs'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

const source = path.join(REPO, 'src', 'cli', 'main.ts')
const trusted = process.env.TESSERA_CLI_BUILT === '1' && existsSync(BUNDLE)
const stale = trusted || !existsSync(source) ? null : staleReason()
if (stale === null) {
  await import(pathToFileURL(BUNDLE).href)
} else {
  process.stderr.write(
    `tessera: ${stale}: running from sources (slow start). Build it with \`npm run build:cli\`.\n`,
  )
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(source).href)
}
