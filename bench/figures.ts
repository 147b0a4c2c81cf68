/**
 * The README's figure tables and bench/results/latest.md, generated from bench/results/latest.json (which
 * `npm run bench` writes), so they cannot go stale.
 *
 *   npm run readme          rewrites every `<!-- figures:NAME -->` … `<!-- /figures:NAME -->` block of
 *                           README.md, and bench/results/latest.md
 *   npm run readme:check    changes nothing; fails when either differs from what the results generate (CI)
 *
 * Only the text between the markers is touched; the rest of the README is edited by hand as usual.
 * The command is scripts/readme-figures.ts; the code lives here, type-checked with the benchmarks.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import prettier from 'prettier'
import { readmeBlocks, resultsMarkdown } from './report.js'
import { REPO, RESULTS_FILE, RESULTS_MD, readResults } from './results.js'

const README = path.join(REPO, 'README.md')
const MARKER = /<!-- figures:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/figures:\1 -->/g

/** Names of the generated blocks in `text`, in order. */
export function blockNames(text: string): string[] {
  return [...text.matchAll(MARKER)].map((m) => m[1]!)
}

/**
 * `text` with the inside of every figures block replaced by `blocks[NAME]`.
 * @throws when the text has a block the results cannot fill, or a marker without its closing marker.
 */
export function replaceBlocks(text: string, blocks: Record<string, string>): string {
  const opened = [...text.matchAll(/<!-- figures:([a-z0-9-]+) -->/g)].map((m) => m[1]!)
  const complete = blockNames(text)
  const unclosed = opened.filter((n) => !complete.includes(n))
  if (unclosed.length > 0) throw new Error(`No closing <!-- /figures:${unclosed[0]} --> marker.`)
  return text.replace(MARKER, (_, name: string) => {
    const body = blocks[name]
    if (body === undefined)
      throw new Error(
        `The results file has no figures for the README block "${name}": run the bench section that measures it.`,
      )
    return `<!-- figures:${name} -->\n\n${body.trim()}\n\n<!-- /figures:${name} -->`
  })
}

/** Formats each block as Prettier would format it in the README, so `prettier --check` agrees. */
export async function formatBlocks(
  blocks: Record<string, string>,
  file = README,
): Promise<Record<string, string>> {
  const options = (await prettier.resolveConfig(file)) ?? {}
  const out: Record<string, string> = {}
  for (const [name, body] of Object.entries(blocks))
    out[name] = await prettier.format(body, { ...options, parser: 'markdown' })
  return out
}

export interface Generated {
  readme: string
  resultsMd: string
}

export async function generate(readme: string, resultsFile = RESULTS_FILE): Promise<Generated> {
  const results = await readResults(resultsFile)
  return {
    readme: replaceBlocks(readme, await formatBlocks(readmeBlocks(results))),
    resultsMd: resultsMarkdown(results),
  }
}

export async function main(check: boolean): Promise<number> {
  const readme = await fs.readFile(README, 'utf8')
  const resultsMd = await fs.readFile(RESULTS_MD, 'utf8').catch(() => '')
  const want = await generate(readme)
  const stale: string[] = []
  if (want.readme !== readme) stale.push('README.md')
  if (want.resultsMd !== resultsMd) stale.push(path.relative(REPO, RESULTS_MD))
  if (check) {
    if (stale.length === 0) {
      process.stdout.write(
        `README figures match bench/results/latest.json (${blockNames(readme).join(', ')}).\n`,
      )
      return 0
    }
    process.stderr.write(
      `${stale.join(' and ')} differ from bench/results/latest.json: run \`npm run readme\` and commit the result.\n`,
    )
    return 1
  }
  if (want.readme !== readme) await fs.writeFile(README, want.readme)
  if (want.resultsMd !== resultsMd) await fs.writeFile(RESULTS_MD, want.resultsMd)
  process.stdout.write(stale.length > 0 ? `Updated ${stale.join(' and ')}.\n` : 'Already up to date.\n')
  return 0
}
