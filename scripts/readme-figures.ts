// `npm run readme` / `npm run readme:check`: the README's figure tables and bench/results/latest.md, generated
// from bench/results/latest.json. See bench/figures.ts.
import { main } from '../bench/figures.js'

process.exitCode = await main(process.argv.includes('--check'))
