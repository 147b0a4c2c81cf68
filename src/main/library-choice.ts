/**
 * Which library the desktop app opens: `TESSERA_LIBRARY` when set (tests, scripts), else the one the user
 * chose with "Open Another Library…" (remembered in the app's profile), else the per-user default that
 * the `tessera` CLI uses too. No Electron here: main passes the profile folder in, and tests use temp dirs.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { resolveLibraryDir } from '../engine/library/paths'

export const LIBRARY_CHOICE_FILE = 'library-choice.json'

/** The saved choice, or undefined when there is none or the file is unreadable or not ours. */
export function readLibraryChoice(profileDir: string): string | undefined {
  try {
    const raw = JSON.parse(readFileSync(path.join(profileDir, LIBRARY_CHOICE_FILE), 'utf8')) as unknown
    const library = (raw as { library?: unknown } | null)?.library
    return typeof library === 'string' && path.isAbsolute(library) ? library : undefined
  } catch {
    return undefined
  }
}

/** Saves the choice atomically (a crash leaves the old choice or the new one, never half a file). */
export function writeLibraryChoice(profileDir: string, libraryDir: string): void {
  if (!path.isAbsolute(libraryDir))
    throw new Error(`The library folder must be an absolute path: ${libraryDir}`)
  mkdirSync(profileDir, { recursive: true })
  const file = path.join(profileDir, LIBRARY_CHOICE_FILE)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify({ library: libraryDir }, null, 2) + '\n')
  renameSync(tmp, file)
}

export function chooseLibraryDir(profileDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.TESSERA_LIBRARY) return resolveLibraryDir(undefined, env)
  return resolveLibraryDir(readLibraryChoice(profileDir), env)
}
