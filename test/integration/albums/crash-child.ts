/**
 * The process the kill -9 test kills: opens the albums, performs `killAfter` operations of one round,
 * printing the number done after each one (stdout to a pipe is synchronous on POSIX, so the count the test
 * reads is never ahead of what was acknowledged), then starts the next operation and kills itself with
 * SIGKILL after `turns` turns of the event loop: in the middle of that operation, at a point that is the
 * same on any machine as far as the test's assertions go (the operation is then either whole or absent).
 *
 * node --import tsx crash-child.ts <dbDir> <round> <killAfter> <turns>
 */
import { AlbumStore } from '../../../src/engine/albums/album-store.js'
import { crashOps, runOp } from './crash-ops.js'

const [dbDir, round, killAfter, turns] = process.argv.slice(2)
const n = Number(killAfter)
// A tiny compaction threshold, so kills also land while a snapshot is being written.
const store = await AlbumStore.open(dbDir!, { compactAfterBytes: 8 * 1024 })
const ops = crashOps(Number(round), n + 1)
process.stdout.write('ready\n')
for (let i = 0; i < n; i++) {
  await runOp(store, ops[i]!)
  process.stdout.write(`${i + 1}\n`)
}
void runOp(store, ops[n]!)
for (let t = 0; t < Number(turns); t++) await new Promise((r) => setImmediate(r))
process.kill(process.pid, 'SIGKILL')
