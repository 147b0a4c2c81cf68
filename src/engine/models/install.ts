/**
 * Installing, listing and opening model packs under `<packsDir>/<id>`.
 *
 * A pack is built in `<packsDir>/.tmp-<id>-*` and renamed into place only when complete, so a crash never
 * leaves a half pack where openPack looks. Downloads live in `<packsDir>/.downloads/<id>` until the pack is
 * installed, so an interrupted download resumes on the next try.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ModelManifest } from '../types.js'
import { CATALOG, DEFAULT_PACK_ID, findCatalogEntry, type CatalogEntry, type CatalogFile } from './catalog.js'
import { DownloadError, downloadFile, IntegrityError } from './download.js'
import { sha256File } from './hash.js'
import { fetchHubDigest, type ServerDigest } from './hub-digest.js'
import {
  ManifestError,
  MANIFEST_FILE,
  PackIntegrityError,
  parseManifest,
  readManifest,
  verifyPackFiles,
} from './manifest.js'
import { isHttpUrl, MIRROR_ENV, mirrorFromEnv, mirrorLocation } from './mirror.js'

/** Progress of the file being downloaded; the callback's first two arguments cover the whole pack. */
export interface InstallProgress {
  packId: string
  file: string
  /** 0-based index of the file among the pack's downloads, and how many there are. */
  fileIndex: number
  fileCount: number
  fileDone: number
  fileTotal: number | undefined
}

export interface InstallOptions {
  packsDir: string
  /** Folder or http(s) URL replacing every upstream. Default: $TESSERA_MODEL_MIRROR. `null`: no mirror. */
  mirror?: string | null
  /** Bytes done and expected for the whole pack (the total grows as sizes become known), then the detail. */
  onProgress?: (done: number, total: number, detail: InstallProgress) => void
  signal?: AbortSignal
  /** Replaces the built-in catalog (tests, private packs). */
  catalog?: readonly CatalogEntry[]
  /** Passed to each download; see DownloadOptions. */
  retries?: number
}

export interface OpenedPack {
  dir: string
  manifest: ModelManifest
}

export interface PackStatus {
  id: string
  title: string
  description: string
  isDefault: boolean
  /** Approximate download size in bytes. */
  downloadBytes: number
  dir: string
  installed: boolean
  /** Installed version, from its manifest. */
  version?: string
  /** Why a pack folder that exists does not count as installed. */
  problem?: string
}

const fixCommand = (id: string) => `tessera models download ${id}`

/** The pack folder has no manifest.json. */
export class PackNotInstalledError extends Error {
  override readonly name = 'PackNotInstalledError'
  readonly fix: string
  constructor(
    readonly packId: string,
    readonly dir: string,
  ) {
    super(
      `The model pack "${packId}" is not installed (${dir} has no ${MANIFEST_FILE}). To install it, run: ${fixCommand(packId)}`,
    )
    this.fix = fixCommand(packId)
  }
}

/** The pack folder exists but its manifest or files are wrong. */
export class PackDamagedError extends Error {
  override readonly name = 'PackDamagedError'
  readonly fix: string
  constructor(
    readonly packId: string,
    readonly dir: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The model pack "${packId}" in ${dir} is damaged: ${detail} To reinstall it, run: ${fixCommand(packId)}`,
      options,
    )
    this.fix = fixCommand(packId)
  }
}

/**
 * The pack is not installed and cannot be obtained now (offline, no mirror, source refused). The indexer
 * catches this to keep indexing and mark embeddings pending.
 */
export class PackUnavailableError extends Error {
  override readonly name = 'PackUnavailableError'
  constructor(
    readonly packId: string,
    message: string,
    readonly offline: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

function entryOrThrow(id: string, catalog: readonly CatalogEntry[]): CatalogEntry {
  const entry = findCatalogEntry(id, catalog)
  if (!entry)
    throw new Error(`Unknown model pack "${id}". Known packs: ${catalog.map((e) => e.id).join(', ')}.`)
  return entry
}

function resolveMirror(option: string | null | undefined): string | undefined {
  return option === undefined ? mirrorFromEnv() : (option ?? undefined)
}

/** The mirror's manifest.json for a pack: the source of hashes for files the catalog does not pin. */
async function readMirrorManifest(
  mirror: string,
  entry: CatalogEntry,
  downloads: string,
  signal?: AbortSignal,
) {
  const location = mirrorLocation(mirror, entry.id, MANIFEST_FILE)
  const local = path.join(downloads, `mirror-${MANIFEST_FILE}`)
  try {
    await downloadFile({ url: location, dest: local, signal, retries: 1 })
    return parseManifest(JSON.parse(await readFile(local, 'utf8')), location)
  } catch (err) {
    if (signal?.aborted) throw err
    return undefined
  } finally {
    await rm(local, { force: true })
  }
}

/** What a file is checked against: pinned sha256, else the mirror's manifest, else the Hub's declared digest. */
async function expectedDigest(
  file: CatalogFile,
  mirrorFiles: ModelManifest['files'] | undefined,
  usingMirror: boolean,
  source: string,
  signal?: AbortSignal,
): Promise<ServerDigest> {
  if (file.sha256) return { sha256: file.sha256, size: file.size }
  const listed = mirrorFiles?.[file.name]
  if (listed) return { sha256: listed.sha256, size: listed.size }
  if (!usingMirror && isHttpUrl(file.url)) {
    const digest = await fetchHubDigest(file.url, signal)
    return { ...digest, size: file.size ?? digest.size }
  }
  throw new DownloadError(
    `${file.name} has no pinned sha256 and the mirror's ${MANIFEST_FILE} does not list it, so it cannot be verified.`,
    'unverifiable',
    source,
  )
}

async function fileEntries(dir: string): Promise<ModelManifest['files']> {
  const files: ModelManifest['files'] = {}
  for (const name of (await readdir(dir)).sort()) {
    if (name === MANIFEST_FILE) continue
    files[name] = {
      sha256: await sha256File(path.join(dir, name)),
      size: (await stat(path.join(dir, name))).size,
    }
  }
  return files
}

/** Moves `tmp` to `final`, replacing an existing pack without ever exposing a partial one. */
async function swapIntoPlace(tmp: string, final: string): Promise<void> {
  const old = `${path.join(path.dirname(final), `.old-${path.basename(final)}`)}-${randomBytes(4).toString('hex')}`
  let hadOld = false
  try {
    await rename(final, old)
    hadOld = true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  try {
    await rename(tmp, final)
  } catch (err) {
    if (hadOld) await rename(old, final).catch(() => undefined)
    throw err
  }
  if (hadOld) await rm(old, { recursive: true, force: true })
}

export async function installPack(id: string, opts: InstallOptions): Promise<OpenedPack> {
  const catalog = opts.catalog ?? CATALOG
  const entry = entryOrThrow(id, catalog)
  const { packsDir, signal } = opts
  const mirror = resolveMirror(opts.mirror)
  const downloads = path.join(packsDir, '.downloads', entry.id)
  await mkdir(downloads, { recursive: true })

  const needsMirrorManifest = mirror !== undefined && entry.files.some((f) => !f.sha256)
  const mirrorManifest = needsMirrorManifest
    ? await readMirrorManifest(mirror, entry, downloads, signal)
    : undefined

  const done = entry.files.map(() => 0)
  const totals = entry.files.map((f) => f.size ?? 0)
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  for (const [fileIndex, file] of entry.files.entries()) {
    const source = mirror ? mirrorLocation(mirror, entry.id, file.name) : file.url
    const digest = await expectedDigest(file, mirrorManifest?.files, mirror !== undefined, source, signal)
    await downloadFile({
      url: source,
      dest: path.join(downloads, file.name),
      sha256: digest.sha256,
      gitBlobSha1: digest.gitBlobSha1,
      size: digest.size,
      signal,
      retries: opts.retries,
      onProgress: (fileDone, fileTotal) => {
        done[fileIndex] = fileDone
        if (fileTotal !== undefined) totals[fileIndex] = fileTotal
        const detail = {
          packId: entry.id,
          file: file.name,
          fileIndex,
          fileCount: entry.files.length,
          fileDone,
          fileTotal,
        }
        opts.onProgress?.(sum(done), Math.max(sum(totals), sum(done)), detail)
      },
    })
  }

  await mkdir(packsDir, { recursive: true })
  const tmp = await mkdtemp(path.join(packsDir, `.tmp-${entry.id}-`))
  try {
    let codec = entry.manifest.visual.codec
    if (entry.build.kind === 'mobilenet-feature') {
      // The ONNX protobuf classes load only when a pack is built, never when one is merely opened.
      const { writeMobileNetFeatureModel } = await import('./mobilenet.js')
      const built = await writeMobileNetFeatureModel(
        path.join(downloads, entry.build.from),
        path.join(tmp, entry.build.to),
      )
      codec = built.codec
    } else {
      for (const file of entry.files) await rename(path.join(downloads, file.name), path.join(tmp, file.name))
    }
    if (!codec) throw new Error(`The catalog entry ${entry.id} gives no feature codec.`)
    const manifest = parseManifest(
      { ...entry.manifest, visual: { ...entry.manifest.visual, codec }, files: await fileEntries(tmp) },
      `the manifest built for ${entry.id}`,
    )
    await writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    const final = path.join(packsDir, entry.id)
    await swapIntoPlace(tmp, final)
    await rm(downloads, { recursive: true, force: true })
    await rmdir(path.dirname(downloads)).catch(() => undefined) // only when no other pack is mid-download
    return { dir: final, manifest }
  } catch (err) {
    // Hand as-is files back to the download folder so the next try does not fetch them again.
    if (entry.build.kind === 'as-is') {
      for (const file of entry.files) {
        await rename(path.join(tmp, file.name), path.join(downloads, file.name)).catch(() => undefined)
      }
    }
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

/**
 * What the user reads when downloading a pack fails: the cause in plain words and what to do, above all
 * offline (a mirror, or importing a pack folder got some other way). `cause` keeps the technical error.
 */
export class PackDownloadError extends Error {
  override readonly name = 'PackDownloadError'
  constructor(
    readonly packId: string,
    message: string,
    readonly kind: DownloadError['kind'] | 'other',
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function explainDownloadFailure(
  entry: Pick<CatalogEntry, 'id' | 'title' | 'files'>,
  err: unknown,
  mirror: string | undefined,
): PackDownloadError {
  const offlineHelp =
    `To install it without this connection, set ${MIRROR_ENV} to a folder or http(s) address holding ` +
    `${entry.id}/${entry.files.map((f) => f.name).join(', ')}, or import a folder with the pack ` +
    `(Settings → Model → Import, or \`tessera models import FOLDER\`).`
  const shown = mirror && !isHttpUrl(mirror) ? path.resolve(mirror) : mirror
  const from = shown ? `the model mirror ${shown}` : 'the internet'
  let why: string
  let kind: PackDownloadError['kind'] = 'other'
  if (err instanceof DownloadError) {
    kind = err.kind
    const file = entry.files.find(
      (f) => err.source.endsWith(`/${f.name}`) || err.source.endsWith(f.name),
    )?.name
    switch (err.kind) {
      case 'offline':
        why = mirror ? `${from} cannot be reached` : 'there is no network connection'
        break
      case 'not-found':
        why = `${from} has no ${file ?? 'file'} for this pack`
        break
      case 'interrupted':
        why = 'the download was interrupted; what arrived is kept and the next try resumes from there'
        break
      case 'integrity':
        why =
          err instanceof IntegrityError
            ? `${file ?? 'a file'} is not the pinned file (${err.message.match(/(size|sha256|git blob SHA-1) expected/)?.[1] ?? 'checksum'} expected ${err.expected}, got ${err.actual}); it was deleted. If this keeps happening the source has changed`
            : `${file ?? 'a file'} is not the pinned file; it was deleted`
        break
      case 'unverifiable':
        why = `${file ?? 'a file'} cannot be verified (no pinned checksum)`
        break
      default:
        why = `the server refused it (${err.message.replace(/^\S+ answered /, '').replace(/\.$/, '')})`
    }
  } else {
    why = (err as Error)?.message ?? String(err)
  }
  const help =
    kind === 'integrity' || kind === 'interrupted' ? 'Try again later. ' + offlineHelp : offlineHelp
  return new PackDownloadError(entry.id, `${entry.title} could not be downloaded: ${why}. ${help}`, kind, {
    cause: err,
  })
}

/** Opens an installed pack; with `verify` (default) every file's sha256 is checked first. */
export async function openPack(
  packsDir: string,
  id: string,
  opts: { verify?: boolean; signal?: AbortSignal } = {},
): Promise<OpenedPack> {
  const dir = path.join(packsDir, id)
  let manifest: ModelManifest
  try {
    manifest = await readManifest(dir)
  } catch (err) {
    if (err instanceof ManifestError && err.kind === 'missing') throw new PackNotInstalledError(id, dir)
    throw new PackDamagedError(id, dir, `${(err as Error).message}.`, { cause: err })
  }
  if (manifest.id !== id) throw new PackDamagedError(id, dir, `its manifest describes "${manifest.id}".`)
  if (opts.verify ?? true) {
    try {
      await verifyPackFiles(dir, manifest, opts.signal)
    } catch (err) {
      if (err instanceof PackIntegrityError) throw new PackDamagedError(id, dir, err.message, { cause: err })
      throw err
    }
  }
  return { dir, manifest }
}

export async function listPacks(
  packsDir: string,
  catalog: readonly CatalogEntry[] = CATALOG,
): Promise<PackStatus[]> {
  return Promise.all(
    catalog.map(async (entry): Promise<PackStatus> => {
      const dir = path.join(packsDir, entry.id)
      const base = {
        id: entry.id,
        title: entry.title,
        description: entry.description,
        isDefault: entry.isDefault,
        downloadBytes: entry.downloadBytes,
        dir,
      }
      // Cheap: the manifest only. openPack does the full hash check before use.
      try {
        const manifest = await readManifest(dir)
        if (manifest.id !== entry.id)
          return { ...base, installed: false, problem: `its manifest describes "${manifest.id}"` }
        return { ...base, installed: true, version: manifest.version }
      } catch (err) {
        if (err instanceof ManifestError && err.kind === 'missing') return { ...base, installed: false }
        return { ...base, installed: false, problem: (err as Error).message }
      }
    }),
  )
}

/**
 * Opens the pack, installing it first when it is missing or damaged. When it cannot be obtained (offline,
 * no mirror, source refused) throws PackUnavailableError, so callers can carry on without embeddings.
 * With `download: false` it never goes to the network.
 */
export async function ensurePack(
  packsDir: string,
  id: string = DEFAULT_PACK_ID,
  opts: Omit<InstallOptions, 'packsDir'> & { download?: boolean } = {},
): Promise<OpenedPack> {
  try {
    return await openPack(packsDir, id, { signal: opts.signal })
  } catch (err) {
    if (!(err instanceof PackNotInstalledError || err instanceof PackDamagedError)) throw err
  }
  const entry = entryOrThrow(id, opts.catalog ?? CATALOG)
  const hint =
    `Photos are still indexed; their embeddings will be computed once the model is available. ` +
    `To fix: connect to the internet and run \`${fixCommand(id)}\`, or set ${MIRROR_ENV} to a folder holding ${id}/${entry.files[0]?.name ?? ''}.`
  if (opts.download === false) {
    throw new PackUnavailableError(id, `The image model "${entry.title}" is not installed. ${hint}`, false)
  }
  try {
    return await installPack(id, { ...opts, packsDir })
  } catch (err) {
    if (opts.signal?.aborted) throw err
    const mirror = resolveMirror(opts.mirror)
    const offline =
      err instanceof DownloadError &&
      (err.kind === 'offline' || err.kind === 'not-found' || err.kind === 'interrupted')
    let why = (err as Error).message
    if (err instanceof DownloadError && err.kind === 'offline') {
      why = mirror ? `the mirror ${mirror} cannot be reached` : 'no network connection and no mirror'
    } else if (err instanceof DownloadError && err.kind === 'not-found') {
      why = `${err.source} does not exist`
    } else if (err instanceof DownloadError && err.kind === 'interrupted') {
      why = 'the download was interrupted; it resumes from where it stopped on the next try'
    }
    throw new PackUnavailableError(
      id,
      `The image model "${entry.title}" is not installed and could not be downloaded (${why}). ${hint}`,
      offline,
      {
        cause: err,
      },
    )
  }
}
