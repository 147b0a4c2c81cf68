// @ts-check
/**
 * Whether out/cli (built by scripts/build-cli.mjs) is up to date with its sources: read by bin/tessera.js at
 * every start (so it has to be cheap: one small JSON file and a stat per source file) and by the build.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const OUT_DIR = path.join(REPO, 'out', 'cli')
export const BUNDLE = path.join(OUT_DIR, 'tessera.js')
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
