/**
 * Reads a photo file into memory, turning every file-system failure into a DecodeError 'unreadable' with a
 * sentence a person can act on ("The file no longer exists…", "This is a folder, not a file…").
 */
import fs from 'node:fs/promises'
import { constants } from 'node:fs'
import path from 'node:path'
import { DecodeError } from './decode-error.js'

/** fs.readFile's own ceiling (2 GiB): no photo is anywhere near it. */
export const MAX_FILE_BYTES = 2 ** 31 - 1

function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`
}

async function isSymlink(file: string): Promise<boolean> {
  try {
    return (await fs.lstat(file)).isSymbolicLink()
  } catch {
    return false
  }
}

/** A plain-language reason for a file-system error on `file`, for the Problems list and error messages. */
export async function describeFsError(error: unknown, file: string): Promise<string> {
  return reasonFor((error as NodeJS.ErrnoException | undefined)?.code, file)
}

async function reasonFor(code: string | undefined, file: string): Promise<string> {
  switch (code) {
    case 'ENOENT':
      return (await isSymlink(file))
        ? 'The file is a link to something that no longer exists.'
        : 'The file no longer exists (it may have been moved, renamed or deleted).'
    case 'ENOTDIR':
      return 'A folder on the way to the file no longer exists or is not a folder.'
    case 'EACCES':
    case 'EPERM':
      return 'Tessera is not allowed to read this file (permission denied).'
    case 'EISDIR': {
      const ext = path.extname(file)
      return ext
        ? `This is a folder, not a file, although its name ends in ${ext}.`
        : 'This is a folder, not a file.'
    }
    case 'ELOOP':
      return 'The file is a link that leads back to itself in a loop, so there is nothing to read.'
    case 'ENAMETOOLONG':
      return "The file's name or path is longer than the system allows."
    case 'EIO':
      return 'The disk reported an error while reading the file (the disk or memory card may be failing).'
    case 'EMFILE':
    case 'ENFILE':
      return 'Too many files are open at once; the file can be read later.'
    case 'EBUSY':
    case 'ETXTBSY':
      return 'The file is in use by another program and cannot be read right now.'
    case 'ENXIO':
    case 'ENODEV':
      return 'The drive holding the file is not available (it may have been disconnected).'
    case 'ETIMEDOUT':
    case 'EHOSTDOWN':
    case 'EHOSTUNREACH':
    case 'ENOTCONN':
    case 'ESTALE':
      return 'The file is on a network drive that did not answer.'
    default:
      return `The file could not be read${code ? ` (${code})` : ''}.`
  }
}

/**
 * The file's bytes in one read of its known size (FileHandle.readFile reads in 512 KiB steps: a trip through
 * the thread pool each, and a second fstat). Stops at the end of the file should it have shrunk meanwhile.
 */
async function readWhole(handle: fs.FileHandle, size: number): Promise<Buffer> {
  if (size === 0) return handle.readFile() // size unknown (some special file systems): read to the end
  const buffer = Buffer.allocUnsafeSlow(size)
  let filled = 0
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, filled)
    if (bytesRead === 0) return buffer.subarray(0, filled)
    filled += bytesRead
  }
  return buffer
}

/** Reads the whole file. Throws DecodeError: 'unreadable' for file-system errors, 'too-large' beyond 2 GiB. */
export async function readPhotoFile(file: string): Promise<Buffer> {
  let handle: fs.FileHandle | undefined
  try {
    // O_NONBLOCK: opening a named pipe that happens to be called .jpg must not wait forever for a writer.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
    const stat = await handle.stat()
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    if (!stat.isFile()) {
      throw new DecodeError('unreadable', 'This is not a regular file (it is a device, pipe or socket).', {
        name: path.basename(file),
      })
    }
    if (stat.size > MAX_FILE_BYTES) {
      throw new DecodeError(
        'too-large',
        `The file is too large to open: ${gigabytes(stat.size)}; the limit is ${gigabytes(MAX_FILE_BYTES)}.`,
        { name: path.basename(file) },
      )
    }
    return await readWhole(handle, stat.size)
  } catch (error) {
    if (error instanceof DecodeError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new DecodeError('unreadable', await reasonFor(code, file), {
      name: path.basename(file),
      cause: error,
    })
  } finally {
    await handle?.close().catch(() => undefined)
  }
}
