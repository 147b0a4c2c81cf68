/**
 * Browser mode's folder picker: the server lists folders for the interface, which cannot see the disk.
 * Absolute real paths only (no `~`, no relative paths: symlinks resolved), directories only, and the
 * folders Tessera refuses to watch (system folders) are shown with the reason.
 */
import type { Dirent } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { isRefusedSystemFolder } from '../../engine/library/folder-policy.js'
import { ContractError, type FolderListing } from '../../shared/contract.js'
import type { DomainHandlers, HostContext } from './context.js'

export function foldersHandlers(_context: HostContext): DomainHandlers<'fs'> {
  return {
    'fs.browse': (folder) => browseFolder(folder ?? os.homedir()),
  }
}

const SYSTEM_FOLDER = 'A system folder, not a photos folder: Tessera does not index it.'

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
    entries.push({
      name: d.name,
      path: target,
      refused: isRefusedSystemFolder(target) ? SYSTEM_FOLDER : null,
    })
  }
  entries.sort((a, b) => a.name.localeCompare(b.name))
  const parent = path.dirname(real)
  return { path: real, parent: parent === real ? null : parent, entries }
}
