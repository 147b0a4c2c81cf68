import path from 'node:path'

/** Extensions Tessera indexes (lower case, with the dot). */
export const PHOTO_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.avif',
  '.tif',
  '.tiff',
  '.gif',
  '.heic',
  '.heif',
])

/** Folders and files that operating systems, NAS boxes and sync tools leave among photos. */
const JUNK_NAMES = new Set([
  '.ds_store',
  'thumbs.db',
  'desktop.ini',
  'ehthumbs.db',
  '@eadir',
  '#recycle',
  '$recycle.bin',
  'system volume information',
  '.trash',
  '.trashes',
  '.spotlight-v100',
  '.fseventsd',
  '.picasaoriginals',
  'lost+found',
  'node_modules',
])

export function isPhotoFile(name: string): boolean {
  return PHOTO_EXTENSIONS.has(path.extname(name).toLowerCase())
}

/** Hidden entries (dot files, AppleDouble `._x`), OS junk, and partial downloads are never indexed. */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.')) return true
  const lower = name.toLowerCase()
  return (
    JUNK_NAMES.has(lower) ||
    lower.endsWith('.part') ||
    lower.endsWith('.crdownload') ||
    lower.endsWith('.tmp')
  )
}

// A POSIX path with nothing to resolve: absolute, no `.` or `..` segment, no doubled or trailing slash.
const NOT_PLAIN = /\/\/|(^|\/)\.{1,2}(\/|$)|.\/$/
const plainPosix = (p: string) => p.startsWith('/') && !NOT_PLAIN.test(p)

/** True when `candidate` is `dir` or inside it. */
export function isInside(candidate: string, dir: string): boolean {
  // Fast path for the common case (an unchanged rescan asks this for every photo of the library): plain
  // absolute POSIX paths compare as strings. Anything else goes through path.relative.
  if (path.sep === '/' && plainPosix(candidate) && plainPosix(dir)) {
    if (candidate === dir) return true
    const prefix = dir === '/' ? '/' : `${dir}/`
    if (!candidate.startsWith(prefix)) return false
    if (!candidate.startsWith('..', prefix.length)) return true
  }
  const rel = path.relative(dir, candidate)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/**
 * The ignore rule shared by the scanner and the watcher: hidden and junk names anywhere in the path below
 * the root, and the library's own data folder.
 */
export function makeIgnore(roots: readonly string[], libraryDir: string): (p: string) => boolean {
  return (p) => {
    if (isInside(p, libraryDir)) return true
    const root = roots.find((r) => isInside(p, r))
    if (!root) return false
    const rel = path.relative(root, p)
    return rel !== '' && rel.split(path.sep).some(isIgnoredName)
  }
}
