import { describeFsError } from '../decode/read-photo-file.js'
import fs from 'node:fs/promises'
import { lstatSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs'
import path from 'node:path'
import { isIgnoredName, isInside, isPhotoFile } from './ignore.js'
import {
  BAD_NAME_CODE,
  badNameReason,
  escapeName,
  isValidUtf8,
  NOT_A_FILE_CODE,
  notAFileReason,
  REPLACEMENT_CHAR,
  unlistableFolderReason,
} from './names.js'

/** A photo file found on disk. */
export interface FoundFile {
  path: string
  root: string
  size: number
  mtimeMs: number
  /**
   * Set when the entry exists but cannot be read as a photo (a dangling link, no permission, a pipe or a
   * device named like a photo, a name that is not valid UTF-8): a problem to record, with this reason.
   */
  statError?: string
  /** The problem's code with `statError` (default `unreadable`). */
  statCode?: string
}

/** A problem entry: found on disk, recorded with a reason, never read. */
export function problemFile(file: string, root: string, code: string, reason: string): FoundFile {
  return { path: file, root, size: 0, mtimeMs: 0, statError: reason, statCode: code }
}

/**
 * The entries of `dir` whose names are not valid UTF-8 (Node's string names for them carry U+FFFD and
 * lead nowhere), with the escaped path to show and the raw path to open them by.
 */
export function oddNames(dir: string): Array<{ shown: string; raw: Buffer; lossy: string }> {
  const out: Array<{ shown: string; raw: Buffer; lossy: string }> = []
  const dirBytes = Buffer.from(dir, 'utf8')
  for (const name of readdirSync(dirBytes, { encoding: 'buffer' })) {
    if (isValidUtf8(name)) continue
    out.push({
      shown: path.join(dir, escapeName(name)),
      raw: Buffer.concat([dirBytes, Buffer.from(path.sep), name]),
      lossy: name.toString('utf8'),
    })
  }
  return out
}

/**
 * What an entry with a name that is not valid UTF-8 is, as a problem (photo-named files and folders),
 * or null when it is neither (a text file with an odd name is none of our business).
 */
export function oddNameProblem(odd: { shown: string; raw: Buffer }, root: string): FoundFile | null {
  let st
  try {
    st = statSync(odd.raw)
  } catch {
    st = undefined
  }
  if (st?.isDirectory()) return problemFile(odd.shown, root, BAD_NAME_CODE, badNameReason(true))
  if (!isPhotoFile(odd.shown)) return null
  return problemFile(odd.shown, root, BAD_NAME_CODE, badNameReason(false))
}

export interface WalkResult {
  files: FoundFile[]
  /** Folders that could not be listed, with why (they are skipped, not fatal). */
  skippedDirs: Array<{ path: string; reason: string }>
}

const STAT_CHUNK = 256

/**
 * Lists the photo files below the roots. Follows symbolic links to folders, but visits each real folder
 * once, so link loops cannot hang it. Skips hidden folders, OS junk and the library's own folder.
 */
export async function walkRoots(
  roots: readonly string[],
  libraryDir: string,
  options: { foldersAsProblems?: 'below-roots' | 'all' } = {},
): Promise<WalkResult> {
  const files: FoundFile[] = []
  const skippedDirs: WalkResult['skippedDirs'] = []
  const visited = new Set<string>()
  const libraryReal = await fs.realpath(libraryDir).catch(() => libraryDir)

  /**
   * A folder that cannot be listed is skipped, and (below the roots: a root that is gone is a different
   * matter) recorded as a problem, so its photos are not left out silently.
   */
  async function skip(dir: string, root: string, error: unknown): Promise<void> {
    skippedDirs.push({ path: dir, reason: await describeFsError(error, dir) })
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return // gone meanwhile
    if (dir === root && options.foldersAsProblems !== 'all') return
    files.push(problemFile(dir, root, 'unreadable', unlistableFolderReason(code)))
  }

  async function visitDir(dir: string, root: string): Promise<void> {
    // Listing a folder is synchronous too, like the stats below: on a loaded machine each trip through the
    // thread pool waits for a turn, and a rescan of 100,000 files in 200 folders spent a second idle so.
    let real: string
    try {
      real = realpathSync.native(dir)
    } catch (error) {
      return skip(dir, root, error)
    }
    if (visited.has(real) || isInside(real, libraryReal)) return
    visited.add(real)
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch (error) {
      return skip(dir, root, error)
    }
    const subdirs: string[] = []
    const candidates: string[] = []
    // path.join once per folder, not per entry: a name from readdir has no separator and is never . or ..
    const prefix = path.join(dir, 'x').slice(0, -1)
    let odd = false
    for (const entry of entries) {
      if (isIgnoredName(entry.name)) continue
      if (entry.name.includes(REPLACEMENT_CHAR)) {
        odd = true // maybe a name that is not valid UTF-8: looked at below, by its bytes
        continue
      }
      const full = prefix + entry.name
      if (entry.isDirectory()) subdirs.push(full)
      else if (entry.isSymbolicLink()) {
        // Resolve what the link points to: a folder is walked (once), a photo file is indexed.
        const target = await fs.stat(full).catch(() => undefined)
        if (target?.isDirectory()) subdirs.push(full)
        else if (isPhotoFile(entry.name)) candidates.push(full)
      } else if (isPhotoFile(entry.name)) {
        if (entry.isFile()) candidates.push(full)
        else {
          // A pipe, socket or device named like a photo: never opened (a pipe could block), but reported.
          const reason = notAFileReason(full, lstatSync(full), false)
          if (reason) files.push(problemFile(full, root, NOT_A_FILE_CODE, reason))
        }
      }
    }
    if (odd) {
      for (const entry of oddNames(dir)) {
        if (isIgnoredName(entry.lossy)) continue
        const problem = oddNameProblem(entry, root)
        if (problem) files.push(problem)
      }
      // A name with a real U+FFFD in it is valid UTF-8: walked as usual.
      for (const entry of entries) {
        if (!entry.name.includes(REPLACEMENT_CHAR) || isIgnoredName(entry.name)) continue
        const full = prefix + entry.name
        const st = statSync(full, { throwIfNoEntry: false })
        if (st?.isDirectory()) subdirs.push(full)
        else if (st && isPhotoFile(entry.name)) candidates.push(full)
      }
    }
    // Synchronous stat is three times faster than one promise per file (an unchanged rescan is mostly
    // this); the event loop gets a turn every STAT_CHUNK files so watch events and requests still flow.
    for (let i = 0; i < candidates.length; i++) {
      const file = candidates[i]!
      try {
        const st = statSync(file)
        const reason = st.isFile() ? null : notAFileReason(file, st, true)
        if (reason) files.push(problemFile(file, root, NOT_A_FILE_CODE, reason))
        else files.push({ path: file, root, size: st.size, mtimeMs: Math.floor(st.mtimeMs) })
      } catch (error) {
        files.push({ path: file, root, size: 0, mtimeMs: 0, statError: await describeFsError(error, file) })
      }
      if (i % STAT_CHUNK === STAT_CHUNK - 1) await new Promise((r) => setImmediate(r))
    }
    for (const sub of subdirs) await visitDir(sub, root)
  }

  for (const root of roots) await visitDir(root, root)
  return { files, skippedDirs }
}
