/**
 * Custom model packs: a folder the user made (or got) holding `manifest.json` and the files it lists.
 * Importing validates the manifest, checks every file's size and sha256, and copies the pack into the
 * library's packs folder under its id, atomically (a half-copied pack never appears under its name).
 * The catalog's ids are reserved: a custom pack cannot pose as the built-in model or CLIP. A folder in
 * Immich's CLIP export layout (visual/, textual/, config.json; see immich-pack.ts) is accepted too.
 */
import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { ModelManifest } from '../types.js'
import { CATALOG } from './catalog.js'
import { isImmichLayout, stageImmichPack } from './immich-pack.js'
import { MANIFEST_FILE, readManifest, verifyPackFiles } from './manifest.js'

export interface CustomPack {
  id: string
  dir: string
  manifest: ModelManifest
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/

export async function importPackFolder(folder: string, packsDir: string): Promise<CustomPack> {
  // The same rule as for photo folders: a relative path would resolve against the server's working folder.
  if (!path.isAbsolute(folder))
    throw new Error(`"${folder}" is not an absolute path: give the full path of the pack folder.`)
  const given = path.resolve(folder)
  const st = await stat(given).catch(() => null)
  if (!st?.isDirectory())
    throw new Error(`${given} is not a folder: choose the folder that holds manifest.json.`)
  if (!(await isImmichLayout(given))) return importStaged(given, packsDir)
  // An Immich CLIP export: staged as a flat pack (with a manifest) first, then imported like any pack.
  const staging = path.join(packsDir, `.immich-${randomBytes(4).toString('hex')}`)
  try {
    await stageImmichPack(given, staging)
    return await importStaged(staging, packsDir)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

async function importStaged(source: string, packsDir: string): Promise<CustomPack> {
  const manifest = await readManifest(source)
  if (!ID_PATTERN.test(manifest.id)) {
    throw new Error(
      `The pack id "${manifest.id}" is not usable as a folder name: use lower-case letters, digits, dots, dashes.`,
    )
  }
  if (CATALOG.some((c) => c.id === manifest.id)) {
    throw new Error(`"${manifest.id}" is a built-in pack's id: give the custom pack an id of its own.`)
  }
  await verifyPackFiles(source, manifest)
  const final = path.join(packsDir, manifest.id)
  const tmp = path.join(packsDir, `.import-${manifest.id}-${randomBytes(4).toString('hex')}`)
  await mkdir(tmp, { recursive: true })
  try {
    for (const name of [...Object.keys(manifest.files), MANIFEST_FILE]) {
      await copyFile(path.join(source, name), path.join(tmp, name))
    }
    // Checked again after the copy: what is installed is exactly what was verified.
    await verifyPackFiles(tmp, manifest)
    await rm(final, { recursive: true, force: true })
    await rename(tmp, final)
  } catch (error) {
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
  return { id: manifest.id, dir: final, manifest }
}

/** Installed packs that are not in the catalog (imported custom packs), with their manifests. */
export async function listCustomPacks(packsDir: string): Promise<CustomPack[]> {
  const entries = await readdir(packsDir, { withFileTypes: true }).catch(() => [])
  const out: CustomPack[] = []
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.') || CATALOG.some((c) => c.id === e.name)) continue
    const dir = path.join(packsDir, e.name)
    const manifest = await readManifest(dir).catch(() => null)
    if (manifest?.id === e.name) out.push({ id: e.name, dir, manifest })
  }
  return out.sort((a, b) => a.id.localeCompare(b.id))
}
