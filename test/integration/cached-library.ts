/**
 * Libraries of the shared datasets indexed once per test run, by the real CLI (`tessera index DIR --library
 * L -q`), and copied by each test file that needs one: indexing flowers17-40 (680 photos) costs some 15 s of
 * CPU, and five files used to do it each. A file that tests indexing itself still indexes on its own
 * (cli.test.ts, flowers-cli.test.ts rescans its copy, eval-readonly.test.ts's first eval decodes every photo).
 *
 * The first file to ask builds the library (a lock folder keeps the others waiting for it) in the run's cache
 * folder, TESSERA_TEST_CACHE, made and removed by test/global-setup.ts; so a run of one test file builds only
 * the libraries it uses. Each caller gets its own copy (a LanceDB folder, some 20 MB), so tests never see one
 * another's writes. The photos keep their real paths in the copy, the dataset folders.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { runCli, SHARED, realFolder, tempDir } from './support.js'

export type CachedSet = 'flowers17-40' | 'seed-5class'

/** The dataset folder, by real path (the library stores photos by real path). */
export function datasetDir(set: CachedSet): string {
  return realFolder(path.join(process.env.TESSERA_DATASETS ?? path.join(SHARED, 'datasets'), set))
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  )

/** The run's cache folder (outside a vitest run, e.g. a script: one of this process's own). */
let ownCache: Promise<string> | undefined
function cacheRoot(): Promise<string> {
  const root = process.env.TESSERA_TEST_CACHE
  if (root) return fs.mkdir(root, { recursive: true }).then(() => root)
  ownCache ??= tempDir('test-cache')
  return ownCache
}

/** Builds (or waits for) the cached library of `set`; returns its folder, which must not be written. */
async function built(set: CachedSet): Promise<string> {
  const root = await cacheRoot()
  const dir = path.join(root, set)
  const done = path.join(root, `${set}.done`)
  const lock = path.join(root, `${set}.lock`)
  const until = Date.now() + 15 * 60_000
  for (;;) {
    if (await exists(done)) return dir
    let mine = false
    try {
      await fs.mkdir(lock)
      mine = true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    if (mine) {
      try {
        const building = `${dir}.building`
        await fs.rm(building, { recursive: true, force: true })
        const res = await runCli(['index', datasetDir(set), '--library', building, '-q'])
        if (res.code !== 0) throw new Error(`indexing ${set} for the test cache failed:\n${res.stderr}`)
        await fs.rename(building, dir)
        await fs.writeFile(done, res.stdout)
        return dir
      } finally {
        await fs.rm(lock, { recursive: true, force: true })
      }
    }
    // Another test file is building it: wait (a failed build removes the lock, and this one tries).
    if (Date.now() > until) throw new Error(`timed out waiting for the cached ${set} library`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * A fresh copy of the run's library of `set` (every photo of the dataset indexed with the default model),
 * at `target` (default: a new temporary folder's `library`). Returns the copy's folder.
 */
export async function cachedLibrary(set: CachedSet, target?: string): Promise<string> {
  const source = await built(set)
  const dest = target ?? path.join(await tempDir(`cached-${set}`), 'library')
  await fs.cp(source, dest, { recursive: true })
  return dest
}
