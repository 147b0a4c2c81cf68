/**
 * The process the kill -9 test kills: opens the albums and performs one round of operations, printing the
 * number of operations done after each one (stdout to a pipe is synchronous on POSIX, so the count the
 * test reads is never ahead of what was acknowledged).
 *
 * node --import tsx crash-child.ts <dbDir> <round>
 */
import { AlbumStore } from '../../../src/engine/albums/album-store.js'
import { crashOps, runOp } from './crash-ops.js'

const [dbDir, round] = process.argv.slice(2)
// A tiny compaction threshold, so kills also land while a snapshot is being written.
const store = await AlbumStore.open(dbDir!, { compactAfterBytes: 8 * 1024 })
const ops = crashOps(Number(round), 5_000)
process.stdout.write('ready\n')
for (let i = 0; i < ops.length; i++) {
  await runOp(store, ops[i]!)
  process.stdout.write(`${i + 1}\n`)
}
await store.close()
