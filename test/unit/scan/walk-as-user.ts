/**
 * Runs the scan as whoever started it (lock-less): for unlistable-folder.test.ts, which starts it as an
 * unprivileged user so that a folder without permissions really cannot be listed. argv: root, folder.
 */
import { scanChangedPaths } from '../../../src/engine/scan/changed-paths.js'
import { walkRoots } from '../../../src/engine/scan/walk.js'

const [root, folder] = process.argv.slice(2) as [string, string]
const walked = await walkRoots([root], '/nonexistent-library')
const changed = await scanChangedPaths([folder], () => root, '/nonexistent-library')
console.log(JSON.stringify({ walked: walked.files, changed: changed.found }))
