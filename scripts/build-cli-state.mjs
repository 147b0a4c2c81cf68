// @ts-check
/**
 * Whether out/cli (built by scripts/build-cli.mjs) is up to date with its sources: read by bin/tessera.js at
 * every start (so it has to be cheap: one small JSON file and a stat per source file) and by the build.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const OUT_DIR = path.join(REPO, 'out', 'cli')
export const BUNDLE = path.join(OUT_DIR, 'tessera.js')
/** `npm run serve`'s entry (src/server/main.ts), built beside the CLI from the same chunks. */
export const SERVE_BUNDLE = path.join(OUT_DIR, 'tessera-serve.js')
export const INPUTS = path.join(OUT_DIR, 'inputs.json')

/**
 * `null` when out/cli is present and no source it was built from changed since, else why not (a sentence).
 * @returns {string | null}
 */
export function staleReason() {
  /** @type {{ builtAt: number, inputs: string[] }} */
  let state
  try {
    state = JSON.parse(fs.readFileSync(INPUTS, 'utf8'))
    fs.accessSync(BUNDLE)
    fs.accessSync(SERVE_BUNDLE)
  } catch {
    return 'the CLI is not built'
  }
  for (const input of state.inputs) {
    const stat = fs.statSync(path.join(REPO, input), { throwIfNoEntry: false })
    if (!stat) return `${input} is gone since the CLI was built`
    if (stat.mtimeMs > state.builtAt) return `${input} changed since the CLI was built`
  }
  return null
}

/**
 * Runs a built entry of out/cli (`bundle`), or its TypeScript `source` (a path in the repository) through tsx
 * when the build is missing or older than its sources, saying so on stderr. TESSERA_CLI_BUILT=1 (the test
 * suites, which build first) skips the age check.
 * @param {string} bundle
 * @param {string} source
 * @param {string} command the command's name, for the message
 */
export async function runEntry(bundle, source, command) {
  const sourceFile = path.join(REPO, source)
  const trusted = process.env.TESSERA_CLI_BUILT === '1' && fs.existsSync(bundle)
  const stale = trusted || !fs.existsSync(sourceFile) ? null : staleReason()
  if (stale === null) {
    await import(pathToFileURL(bundle).href)
    return
  }
  process.stderr.write(
    `${command}: ${stale}: running from sources (slow start). Build it with \`npm run build:cli\`.\n`,
  )
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(sourceFile).href)
}
