/**
 * The path the library knows a file by. Watched folders are stored as real paths (links resolved, see
 * folder-policy.ts), so every path a user gives later (a photo to find similar ones to, a folder filter,
 * files to add to an album or put back from the trash) is resolved the same way before it is matched:
 * `~/Pictures/x.jpg` through a linked Pictures folder is the same photo as its real path.
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'

export function canonicalPath(p: string): string {
  const abs = path.resolve(p)
  try {
    return realpathSync.native(abs)
  } catch {
    // Gone (e.g. in the trash): its folder's real path and its own name; else the path as given.
    try {
      return path.join(realpathSync.native(path.dirname(abs)), path.basename(abs))
    } catch {
      return abs
    }
  }
}
