import fs from 'node:fs/promises'

export class LibraryBusyError extends Error {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(
      `The library is in use by another Tessera process (pid ${pid}). Close it first, or wait until it finishes.`,
    )
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * One writer per library. The lock file holds the owner's pid; a lock left by a process that died
 * (a crash, kill -9) is taken over, so a restart always resumes.
 */
export async function acquireLibraryLock(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      let released = false
      return async () => {
        if (released) return
        released = true
        await fs.rm(lockFile, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10)
      if (Number.isFinite(owner) && owner !== process.pid && isAlive(owner))
        throw new LibraryBusyError(lockFile, owner)
      await fs.rm(lockFile, { force: true }) // stale: its owner is gone
    }
  }
  throw new Error(`Could not lock the library (${lockFile}).`)
}
