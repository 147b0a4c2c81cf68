/**
 * A process taking the library lock, for lock.test.ts. argv: lockFile, name, barrierDir, holdMs.
 * With a barrier folder, it waits after judging the lock stale until every racer has judged it stale
 * (a file per racer in barrierDir), so the takeovers really race; the winner then holds the lock until every
 * other racer has finished its attempt (a `.done` file each; at most holdMs). Without one, the winner holds
 * it holdMs. Prints one JSON line: its outcome.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { acquireLibraryLock, LibraryBusyError } from '../../../src/engine/library/lock.js'

const [lockFile, name, barrierDir, holdMs] = process.argv.slice(2) as [string, string, string, string]
const racers = 2
const staleSeen: string[] = []

async function barrier(key: string): Promise<void> {
  staleSeen.push(key)
  if (barrierDir === '-') return
  await fs.writeFile(path.join(barrierDir, `${name}.ready`), key)
  const until = Date.now() + 20_000
  while ((await fs.readdir(barrierDir)).filter((f) => f.endsWith('.ready')).length < racers) {
    if (Date.now() > until) throw new Error('the other racer never came')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Until every other racer has finished its attempt, or holdMs. */
async function hold(): Promise<void> {
  const until = Date.now() + Number(holdMs)
  const othersDone = async () =>
    barrierDir !== '-' &&
    (await fs.readdir(barrierDir)).filter((f) => f.endsWith('.done') && f !== `${name}.done`).length >=
      racers - 1
  while (Date.now() < until && !(await othersDone())) await new Promise((r) => setTimeout(r, 10))
}

try {
  const release = await acquireLibraryLock(lockFile, { beforeTakeover: barrier, heartbeatMs: 200 })
  console.log(JSON.stringify({ name, outcome: 'won', staleSeen }))
  await hold()
  await release()
} catch (error) {
  const outcome = error instanceof LibraryBusyError ? 'busy' : `error: ${(error as Error).message}`
  console.log(JSON.stringify({ name, outcome, staleSeen }))
}
if (barrierDir !== '-') await fs.writeFile(path.join(barrierDir, `${name}.done`), '')
