/**
 * File names that are not valid UTF-8, and entries that are not files. Node reads names as UTF-8 and puts
 * U+FFFD in place of bytes that are not, so such a name cannot be opened again as a string: it is shown
 * with its raw bytes escaped (`caf\xE9.jpg`), and recorded as a problem with a reason instead of being
 * reported as gone. Pipes, sockets and devices named like photos get a reason too.
 */
import type { Stats } from 'node:fs'
import path from 'node:path'

export const REPLACEMENT_CHAR = '\uFFFD'

/**
 * A watcher's stand-in name for "some entry of this folder with a name that is not valid UTF-8" (polling
 * says that a folder changed, not which entry).
 */
export const ODD_NAMES_IN_FOLDER = `${REPLACEMENT_CHAR}*`

export function isValidUtf8(raw: Buffer): boolean {
  return Buffer.from(raw.toString('utf8'), 'utf8').equals(raw)
}

const fatal = new TextDecoder('utf-8', { fatal: true })

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1
  if (lead >= 0xc2 && lead <= 0xdf) return 2
  if (lead >= 0xe0 && lead <= 0xef) return 3
  if (lead >= 0xf0 && lead <= 0xf4) return 4
  return 0
}

const hex = (b: number) => `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`

/**
 * A name for people: valid UTF-8 stays as it is, every other byte is written `\xNN` (and a backslash
 * `\\`, so that the form reads back exactly with `unescapeName`).
 */
export function escapeName(raw: Buffer): string {
  let out = ''
  let i = 0
  while (i < raw.length) {
    const n = sequenceLength(raw[i]!)
    let text: string | null = null
    if (n > 0 && i + n <= raw.length) {
      try {
        text = fatal.decode(raw.subarray(i, i + n))
      } catch {
        text = null
      }
    }
    if (text === null) {
      out += hex(raw[i]!)
      i++
    } else {
      out += text === '\\' ? '\\\\' : text
      i += n
    }
  }
  return out
}

const ESCAPE = /\\x([0-9A-F]{2})|\\\\/g

/** True for a name made by `escapeName` from bytes that are not valid UTF-8. */
export function isEscapedName(name: string): boolean {
  return /\\x[0-9A-F]{2}/.test(name)
}

/** The raw bytes back from an escaped name. */
export function unescapeName(name: string): Buffer {
  const parts: Buffer[] = []
  let last = 0
  for (const m of name.matchAll(ESCAPE)) {
    parts.push(Buffer.from(name.slice(last, m.index), 'utf8'))
    parts.push(m[1] ? Buffer.from([Number.parseInt(m[1], 16)]) : Buffer.from('\\'))
    last = m.index + m[0].length
  }
  parts.push(Buffer.from(name.slice(last), 'utf8'))
  return Buffer.concat(parts)
}

/** How Node spells the name as a string (invalid bytes become U+FFFD): what watchers report. */
export function lossyName(raw: Buffer): string {
  return raw.toString('utf8')
}

/** Whether a watcher's name (lossy, or ODD_NAMES_IN_FOLDER) may stand for this escaped name. */
export function lossyMatches(reported: string, escaped: string): boolean {
  if (!isEscapedName(escaped)) return false
  return reported === ODD_NAMES_IN_FOLDER || lossyName(unescapeName(escaped)) === reported
}

export const BAD_NAME_CODE = 'bad-name'
export const NOT_A_FILE_CODE = 'not-a-file'

export function badNameReason(folder: boolean): string {
  return folder
    ? "This folder's name is not valid text (UTF-8), so Tessera cannot open it by name; the photos in it are not indexed. Renaming the folder fixes it."
    : "The file's name is not valid text (UTF-8), so Tessera cannot open it by name. Renaming the file fixes it."
}

/** Why a folder below a root could not be listed (its photos are not indexed). */
export function unlistableFolderReason(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'Tessera is not allowed to open this folder (permission denied), so the photos in it are not indexed.'
    case 'EIO':
      return 'The disk reported an error while listing this folder, so the photos in it are not indexed.'
    case 'ELOOP':
      return 'This folder is a link that leads back to itself in a loop, so there is nothing to list.'
    default:
      return `This folder could not be opened${code ? ` (${code})` : ''}, so the photos in it are not indexed.`
  }
}

function kind(st: Stats): string | null {
  if (st.isFIFO()) return 'a named pipe (FIFO)'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  return null
}

/**
 * Why an entry named like a photo is not one, or null for a regular file or a folder. `st` is what the
 * name leads to (links followed); `viaLink` says the name itself is a symbolic link.
 */
export function notAFileReason(file: string, st: Stats, viaLink: boolean): string | null {
  if (st.isFile() || st.isDirectory()) return null
  const what = kind(st) ?? 'a special file'
  const ext = path.extname(file)
  return viaLink
    ? `The file is a link to ${what}, not to a photo, so there is nothing to read.`
    : `This is ${what}, not a photo${ext ? `, although its name ends in ${ext}` : ''}.`
}
