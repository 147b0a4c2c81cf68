/**
 * Child process for the kill -9 test: moves the listed files to the trash, printing "moved <path>" after each
 * move, until the parent kills it. Arguments: libraryDir trashDir listFile.
 */
import fs from 'node:fs/promises'
import { TrashJournal } from '../../../src/engine/trash/index.js'

const [libraryDir, trashDir, listFile] = process.argv.slice(2) as [string, string, string]
const files = JSON.parse(await fs.readFile(listFile, 'utf8')) as string[]
const journal = new TrashJournal({
  libraryDir,
  trashDir,
  hooks: {
    afterMove: async (p) => {
      process.stdout.write(`moved ${p}\n`)
      // Leave the parent time to kill us mid-action.
      await new Promise((r) => setTimeout(r, 5))
    },
  },
})
await journal.trashFiles(files)
process.stdout.write('finished\n')
