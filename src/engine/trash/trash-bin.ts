/**
 * Where a file goes when it is moved to the trash, so that Tessera knows where it went and can put it back.
 *
 * Linux and other freedesktop.org systems (the Trash specification 1.0):
 * - files on the home trash's device go to $XDG_DATA_HOME/Trash (default ~/.local/share/Trash);
 * - files on another device go to that device's top directory: $topdir/.Trash/$uid when $topdir/.Trash is a
 *   real directory with the sticky bit, else $topdir/.Trash-$uid (created, mode 0700); when neither can be
 *   used, the home trash (the move is then a copy and a delete);
 * - each trashed file `files/NAME` has `info/NAME.trashinfo` giving its original path (absolute for the home
 *   trash, relative to $topdir for a device's trash) and the deletion date, so file managers can restore it.
 *   NAME is reserved by creating the .trashinfo exclusively (O_EXCL) before the move, as the spec asks.
 * macOS: ~/.Trash (no info files: Finder keeps its own records; Tessera's journal keeps ours).
 * A fixed `trashDir` (tests, portable setups) is used as a home trash for every file.
 */
import type { Stats } from 'node:fs'
import fs, { type FileHandle } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** The sticky bit (fs.constants does not name it everywhere). */
const S_ISVTX = 0o1000

export interface TrashBin {
  /** Folder the file itself goes into. */
  files: string
  /** Folder of the .trashinfo files; null where the platform keeps none (macOS). */
  info: string | null
  /** For a device's trash, the top directory info paths are relative to; null for a home trash. */
  topDir: string | null
}

export interface TrashBinOptions {
  /** Use this folder (with files/ and info/ inside) as the trash for every file. */
  trashDir?: string
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  homeDir?: string
  uid?: number
  /** fs.lstat, replaceable in tests to pretend folders are on other devices. */
  stat?: (p: string) => Promise<Pick<Stats, 'dev' | 'mode' | 'isDirectory' | 'isSymbolicLink'>>
}

function homeTrashDir(opts: TrashBinOptions): string {
  const env = opts.env ?? process.env
  const home = opts.homeDir ?? os.homedir()
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : null
  return path.join(dataHome ?? path.join(home, '.local', 'share'), 'Trash')
}

async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode })
}

async function freedesktopBin(root: string, topDir: string | null): Promise<TrashBin> {
  const bin = { files: path.join(root, 'files'), info: path.join(root, 'info'), topDir }
  await ensureDir(bin.files)
  await ensureDir(bin.info)
  return bin
}

/** The top directory (mount point) of the device holding `dir`: the highest ancestor on the same device. */
async function topDirOf(
  dir: string,
  dev: number,
  stat: NonNullable<TrashBinOptions['stat']>,
): Promise<string> {
  let current = dir
  for (;;) {
    const parent = path.dirname(current)
    if (parent === current) return current
    const s = await stat(parent).catch(() => null)
    if (!s || s.dev !== dev) return current
    current = parent
  }
}

/** Picks (and creates when needed) the trash a file is moved to. */
export class TrashBins {
  private readonly cache = new Map<number, Promise<TrashBin>>()
  private homeBin: Promise<TrashBin> | null = null
  private readonly platform: NodeJS.Platform
  private readonly stat: NonNullable<TrashBinOptions['stat']>

  constructor(private readonly opts: TrashBinOptions = {}) {
    this.platform = opts.platform ?? process.platform
    this.stat = opts.stat ?? ((p) => fs.lstat(p))
  }

  /** The home trash: every file can go there, by a copy when it is on another device. */
  home(): Promise<TrashBin> {
    this.homeBin ??= this.makeHome()
    // A failure (e.g. no permission) is not cached: the next file tries again.
    this.homeBin.catch(() => (this.homeBin = null))
    return this.homeBin
  }

  private async makeHome(): Promise<TrashBin> {
    if (this.opts.trashDir) return freedesktopBin(path.resolve(this.opts.trashDir), null)
    if (this.platform === 'darwin') {
      const files = path.join(this.opts.homeDir ?? os.homedir(), '.Trash')
      await ensureDir(files)
      return { files, info: null, topDir: null }
    }
    if (this.platform === 'win32') throw new Error('Windows has no trash folder Tessera can write to.')
    return freedesktopBin(homeTrashDir(this.opts), null)
  }

  /** The trash for a file (by its folder's device); cached per device. */
  async forFile(file: string): Promise<TrashBin> {
    if (this.opts.trashDir || this.platform === 'darwin') return this.home()
    const dir = path.dirname(path.resolve(file))
    const dev = (await this.stat(dir)).dev
    let bin = this.cache.get(dev)
    if (!bin) {
      bin = this.pick(dir, dev)
      this.cache.set(dev, bin)
    }
    return bin
  }

  private async pick(dir: string, dev: number): Promise<TrashBin> {
    const homeTrash = homeTrashDir(this.opts)
    await ensureDir(path.dirname(homeTrash))
    const homeDev = (await this.stat(path.dirname(homeTrash))).dev
    if (homeDev === dev) return this.home()
    const top = await topDirOf(dir, dev, this.stat)
    const uid = this.opts.uid ?? process.getuid?.() ?? 0
    // $topdir/.Trash/$uid, when an administrator made $topdir/.Trash (a real, sticky folder).
    const shared = path.join(top, '.Trash')
    const s = await this.stat(shared).catch(() => null)
    if (s && s.isDirectory() && !s.isSymbolicLink() && (s.mode & S_ISVTX) !== 0) {
      const bin = await freedesktopBin(path.join(shared, String(uid)), top).catch(() => null)
      if (bin) return bin
    }
    const own = await freedesktopBin(path.join(top, `.Trash-${uid}`), top).catch(() => null)
    return own ?? this.home()
  }
}

/** RFC 2396 escaping of a path for a .trashinfo `Path=` line ('/' kept). */
export function escapeInfoPath(p: string): string {
  return p
    .split(/[\\/]/)
    .map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`))
    .join('/')
}

function localIsoSeconds(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  )
}

export function trashInfoText(bin: TrashBin, original: string, deletedAt: Date): string {
  const shown = bin.topDir ? path.relative(bin.topDir, original) : original
  return `[Trash Info]\nPath=${escapeInfoPath(shown)}\nDeletionDate=${localIsoSeconds(deletedAt)}\n`
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

/**
 * Reserves a free name in the bin for `original`: "IMG_1.jpg", else "IMG_1 (2).jpg", "IMG_1 (3).jpg"… The
 * .trashinfo is created exclusively (with its content) so no other program takes the name meanwhile; on macOS,
 * where there is no info file, a free name in the folder is taken.
 */
export async function reserveName(
  bin: TrashBin,
  original: string,
  deletedAt: Date,
): Promise<{ trashPath: string; infoPath: string | null }> {
  const ext = path.extname(original)
  const stem = path.basename(original, ext)
  for (let n = 1; n < 10_000; n++) {
    const name = n === 1 ? `${stem}${ext}` : `${stem} (${n})${ext}`
    const trashPath = path.join(bin.files, name)
    if (await exists(trashPath)) continue
    if (bin.info === null) return { trashPath, infoPath: null }
    const infoPath = path.join(bin.info, `${name}.trashinfo`)
    let handle: FileHandle
    try {
      handle = await fs.open(infoPath, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw error
    }
    // Not fsynced: the journal, which is, is the record that counts after a crash.
    try {
      await handle.writeFile(trashInfoText(bin, original, deletedAt))
    } finally {
      await handle.close()
    }
    return { trashPath, infoPath }
  }
  throw new Error(`No free name in ${bin.files} for ${path.basename(original)}.`)
}
