/** Reaches the failpoint `a` three times, printing after each (failpoint.test.ts runs it under TESSERA_FAILPOINT). */
import { failpoint } from '../../../src/engine/library/failpoint.js'

for (let i = 1; i <= 3; i++) {
  failpoint('a')
  process.stdout.write(`${i} `)
}
