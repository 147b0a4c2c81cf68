/**
 * Child process for the kill -9 test: moves the listed files to the trash, printing "moved <path>" after each
 * move, and kills itself with SIGKILL right after the `killAfter`-th move, before the journal records it (a
 * failpoint in the test's hook: the crash lands at the same step on any machine).
 * Arguments: libraryDir trashDir listFile killAfter.
 */
import fs from 'node:fs/promises'
import { TrashJournal } from '../../../src/engine/trash/index.js'

const [libraryDir, trashDir, listFile, killAfter] = process.argv.slice(2) as [string, string, string, string]
const files = JSON.parse(await fs.readFile(listFile, 'utf8')) as string[]
let moved = 0
const journal = new TrashJournal({
  libraryDir,
  trashDir,
  hooks: {
    afterMove: (p) => {
      process.stdout.write(`moved ${p}\n`) // synchronous to a pipe on POSIX: the parent sees every line
      if (++moved === Number(killAfter)) process.kill(process.pid, 'SIGKILL')
      return Promise.resolve()
    },
  },
})
await journal.trashFiles(files)
process.stdout.write('finished\n')
