/**
 * Browser mode's folder picker: the server lists folders for the interface, which cannot see the disk.
 * Absolute real paths only (no `~`, no relative paths: symlinks resolved), directories only, and the
 * folders Tessera refuses to watch (system folders) are shown with the reason.
 */
import type { Dirent } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ContractError, type FolderListing } from '../../shared/contract.js'
import type { DomainHandlers, HostContext } from './context.js'

export function foldersHandlers(_context: HostContext): DomainHandlers<'fs'> {
  return {
    'fs.browse': (folder) => browseFolder(folder ?? os.homedir()),
  }
}

export async function browseFolder(folder: string): Promise<FolderListing> {
  if (!path.isAbsolute(folder))
    throw new ContractError(`"${folder}" is not an absolute path: start from your home folder.`, 'bad-path')
  let real: string
  try {
    real = await fs.realpath(folder)
    if (!(await fs.stat(real)).isDirectory()) throw new Error('not a folder')
  } catch {
    throw new ContractError(`There is no folder at ${folder}.`, 'not-found')
  }
  let dirents: Dirent[]
  try {
    dirents = await fs.readdir(real, { withFileTypes: true })
  } catch {
    throw new ContractError(`Tessera may not read the folder ${real}.`, 'forbidden')
  }
  const entries: FolderListing['entries'] = []
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue // hidden folders
    const full = path.join(real, d.name)
    let target = full
    if (d.isSymbolicLink()) {
      try {
        target = await fs.realpath(full)
        if (!(await fs.stat(target)).isDirectory()) continue
      } catch {
        continue // a dangling link
      }
    } else if (!d.isDirectory()) continue
    entries.push({ name: d.name, path: target, refused: refusedFolderReason(target) })
  }
  entries.sort((a, b) => a.name.localeCompare(b.name))
  const parent = path.dirname(real)
  return { path: real, parent: parent === real ? null : parent, entries }
}

// Until the engine's folder policy (src/engine/library/folder-policy.ts) lands: the file-system root and
// the operating system's own folders.
const SYSTEM_FOLDERS = new Set([
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib64',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
  '/System',
  '/Library',
  '/private',
  'C:\\Windows',
  'C:\\Program Files',
  'C:\\Program Files (x86)',
])

function refusedFolderReason(folder: string): string | null {
  if (path.dirname(folder) === folder) return 'The whole disk is too much to watch: choose a folder on it.'
  for (const system of SYSTEM_FOLDERS)
    if (folder === system || folder.startsWith(system + path.sep))
      return 'A system folder holds no photos of yours.'
  return null
}
