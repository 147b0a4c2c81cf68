import { lstatSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import { describeFsError } from '../decode/read-photo-file.js'
import { isInside, isPhotoFile } from './ignore.js'
import { lossyMatches, NOT_A_FILE_CODE, notAFileReason, REPLACEMENT_CHAR } from './names.js'
import { oddNameProblem, oddNames, problemFile, walkRoots, type FoundFile } from './walk.js'

export interface ChangedScan {
  /** The photo files (and problem entries) that exist now at these paths. */
  found: FoundFile[]
  /** Whether a library row belongs to the scanned scope (its file was one of the paths, or below one). */
  covers: (rowPath: string) => boolean
}

function statOrError(p: string): { st?: Stats; linkSt?: Stats; error?: unknown } {
  try {
    const linkSt = lstatSync(p)
    if (!linkSt.isSymbolicLink()) return { st: linkSt, linkSt }
    return { st: statSync(p), linkSt }
  } catch (error) {
    return { error }
  }
}

const GONE = new Set(['ENOENT', 'ENOTDIR'])

/**
 * What is at the paths a watcher reported, as the full scan would see it: folders are walked, photo files
 * stat'ed, and everything named like a photo that is not one (a pipe, a device link, a name that is not
 * valid UTF-8) comes back as a problem entry with its reason, exactly as `walkRoots` reports it.
 *
 * @param paths absolute paths inside the roots, not ignored
 * @param rootOf the root a path belongs to
 */
export async function scanChangedPaths(
  paths: readonly string[],
  rootOf: (p: string) => string,
  libraryDir: string,
): Promise<ChangedScan> {
  const found: FoundFile[] = []
  /** Folder → lossy names reported in it (names that are not valid UTF-8 are matched by their bytes). */
  const oddIn = new Map<string, Set<string>>()
  const plain: string[] = []
  for (const p of paths) {
    const name = path.basename(p)
    if (name.includes(REPLACEMENT_CHAR)) {
      const dir = path.dirname(p)
      if (!oddIn.has(dir)) oddIn.set(dir, new Set())
      oddIn.get(dir)!.add(name)
      // A valid name may hold a real U+FFFD: it is looked at as usual too.
    }
    plain.push(p)
  }

  for (const p of plain) {
    const { st, linkSt, error } = statOrError(p)
    if (error !== undefined) {
      const code = (error as NodeJS.ErrnoException).code
      if (!code || !GONE.has(code))
        found.push({
          path: p,
          root: rootOf(p),
          size: 0,
          mtimeMs: 0,
          statError: await describeFsError(error, p),
        })
      continue
    }
    if (st!.isDirectory()) {
      // A folder the watcher reported lies below a root: if it cannot be listed, that is a problem.
      const walked = await walkRoots([p], libraryDir, { foldersAsProblems: 'all' })
      for (const f of walked.files) found.push({ ...f, root: rootOf(f.path) })
    } else if (isPhotoFile(p)) {
      const reason = notAFileReason(p, st!, linkSt!.isSymbolicLink())
      if (reason) found.push(problemFile(p, rootOf(p), NOT_A_FILE_CODE, reason))
      else found.push({ path: p, root: rootOf(p), size: st!.size, mtimeMs: Math.floor(st!.mtimeMs) })
    }
  }

  for (const [dir, names] of oddIn) {
    let entries: ReturnType<typeof oddNames>
    try {
      entries = oddNames(dir)
    } catch {
      continue // the folder is gone: its rows are covered below and leave the library
    }
    for (const entry of entries) {
      if (![...names].some((n) => lossyMatches(n, path.basename(entry.shown)))) continue
      const problem = oddNameProblem(entry, rootOf(dir))
      if (problem) found.push(problem)
    }
  }

  const unique = [...new Map(found.map((f) => [f.path, f])).values()]
  const covers = (rowPath: string): boolean => {
    if (plain.some((p) => isInside(rowPath, p))) return true
    const names = oddIn.get(path.dirname(rowPath))
    if (!names) return false
    const base = path.basename(rowPath)
    return [...names].some((n) => lossyMatches(n, base))
  }
  return { found: unique, covers }
}
