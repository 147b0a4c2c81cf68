/**
 * Crash testing: when TESSERA_FAILPOINT names this point, the process kills itself with SIGKILL right
 * here, as a power cut or `kill -9` would, so tests can crash exactly between two steps that must be
 * atomic together. `name#n` kills on the n-th time the point is reached (`index:after-commit#2`: after
 * the second commit). Inert otherwise (one environment lookup).
 */
const reached = new Map<string, number>()

export function failpoint(name: string): void {
  const target = process.env.TESSERA_FAILPOINT
  if (target === undefined || !target.startsWith(name)) return
  if (target === name) process.kill(process.pid, 'SIGKILL')
  const nth = target.slice(name.length).match(/^#(\d+)$/)
  if (!nth) return
  const count = (reached.get(name) ?? 0) + 1
  reached.set(name, count)
  if (count === Number(nth[1])) process.kill(process.pid, 'SIGKILL')
}

/**
 * Crash testing: TESSERA_COMMIT_ROWS makes the indexer commit every `n` rows instead of `fallback`, so a
 * small test library has several commits to crash between. Returns `fallback` when unset.
 */
export function commitRows(fallback: number): number {
  const n = Number(process.env.TESSERA_COMMIT_ROWS)
  return Number.isInteger(n) && n > 0 ? n : fallback
}
