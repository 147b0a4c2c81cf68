/**
 * Which folders a user may give Tessera to index (roots): the one rule shared by the CLI, the Electron app
 * (IPC) and browser mode (WebSocket), all of which reach it through `LibraryService.addRoots`.
 *
 * - the path must be absolute: a relative one would be resolved against some process's working folder,
 *   which the person typing it cannot see (a browser tab, the app);
 * - symbolic links are resolved (`realpath`), so a link to `/etc` is judged as `/etc`;
 * - system folders (`/etc`, `/proc`, `/usr`, `C:\Windows`, `/System`…) and anything inside them are refused,
 *   as are a few parents of everyone's data (`/home`, `/tmp`, `C:\Users`) themselves;
 * - the library's own folder, and anything inside it, is refused;
 * - the filesystem root (`/`, `C:\`) and the user's whole home folder need an explicit confirmation.
 *
 * Pure path logic plus two file-system reads (`realpath`, `stat`), both injectable for tests.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** Why a folder was refused (stable: the interface and the wire use them as error codes). */
export type FolderRefusal =
  'relative-path' | 'not-found' | 'not-a-folder' | 'system-folder' | 'library-folder' | 'needs-confirmation'

export type FolderVerdict =
  | { ok: true; /** The real (symlink-free) absolute path. */ path: string }
  | { ok: false; code: FolderRefusal; reason: string }

/** How a real absolute path is classed, before any confirmation. */
export type FolderClass = 'ok' | 'system' | 'root' | 'home'

export interface FolderPlatform {
  platform?: NodeJS.Platform
  /** The user's home folder (default `os.homedir()`). */
  home?: string
  /** For Windows' `SystemRoot`, `ProgramFiles`… and the temporary folder. */
  env?: NodeJS.ProcessEnv
}

export interface FolderPolicyOptions extends FolderPlatform {
  /** The library's own folder (refused, with everything inside it). */
  libraryDir: string
  /** The user confirmed a folder that needs it (the filesystem root, the whole home folder). */
  confirm?: boolean
  realpath?: (p: string) => Promise<string>
  stat?: (p: string) => Promise<{ isDirectory(): boolean }>
}

/** A folder refused by {@link checkFolder}; `code` is one of {@link FolderRefusal}. */
export class FolderRefusedError extends Error {
  constructor(
    message: string,
    readonly code: FolderRefusal,
  ) {
    super(message)
    this.name = 'FolderRefusedError'
  }
}

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix
}

/** Windows and macOS file systems ignore case by default: compare folded. */
function fold(p: string, platform: NodeJS.Platform): string {
  return platform === 'win32' || platform === 'darwin' ? p.toLowerCase() : p
}

function inside(child: string, parent: string, platform: NodeJS.Platform): boolean {
  const rel = pathApi(platform).relative(fold(parent, platform), fold(child, platform))
  return rel === '' || (!rel.startsWith('..') && !pathApi(platform).isAbsolute(rel))
}

function same(a: string, b: string, platform: NodeJS.Platform): boolean {
  const p = pathApi(platform)
  return fold(p.resolve(a), platform) === fold(p.resolve(b), platform)
}

interface SystemFolders {
  /** Refused with everything inside them. */
  tree: string[]
  /** Refused themselves (their subfolders may hold anyone's photos). */
  exact: string[]
}

function systemFolders(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): SystemFolders {
  if (platform === 'win32') {
    const w = path.win32
    const drive = w.parse(env['SystemRoot'] ?? 'C:\\Windows').root || 'C:\\'
    const tree = [
      env['SystemRoot'] ?? w.join(drive, 'Windows'),
      env['ProgramFiles'] ?? w.join(drive, 'Program Files'),
      env['ProgramFiles(x86)'] ?? w.join(drive, 'Program Files (x86)'),
      env['ProgramData'] ?? w.join(drive, 'ProgramData'),
      w.join(drive, '$Recycle.Bin'),
      w.join(drive, 'System Volume Information'),
      w.join(drive, 'Recovery'),
      env['APPDATA'] ?? w.join(home, 'AppData', 'Roaming'),
      env['LOCALAPPDATA'] ?? w.join(home, 'AppData', 'Local'),
    ]
    const exact = [w.join(drive, 'Users'), w.dirname(home), env['TEMP'] ?? '', env['TMP'] ?? '']
    return { tree, exact: exact.filter(Boolean) }
  }
  if (platform === 'darwin') {
    return {
      tree: [
        '/System',
        '/Library',
        '/Applications',
        '/usr',
        '/bin',
        '/sbin',
        '/dev',
        '/cores',
        '/opt',
        '/etc',
        '/private/etc',
        '/private/var/db',
        '/private/var/log',
        '/private/var/vm',
        path.posix.join(home, 'Library'),
      ],
      exact: ['/Users', '/Volumes', '/private', '/private/var', '/private/tmp', '/tmp', '/var'],
    }
  }
  return {
    tree: [
      '/proc',
      '/sys',
      '/dev',
      '/etc',
      '/boot',
      '/efi',
      '/bin',
      '/sbin',
      '/lib',
      '/lib32',
      '/lib64',
      '/libx32',
      '/usr',
      '/run',
      '/snap',
      '/opt',
      '/var/lib',
      '/var/log',
      '/var/cache',
      '/var/spool',
      '/var/run',
      '/var/lock',
      '/var/db',
      '/lost+found',
    ],
    exact: ['/var', '/tmp', '/var/tmp', '/home', '/mnt', '/media', '/srv', env['TMPDIR'] ?? ''].filter(
      Boolean,
    ),
  }
}

/** Whether an absolute path is a filesystem root (`/`, `C:\`, `\\server\share\`). */
function isRoot(p: string, platform: NodeJS.Platform): boolean {
  const api = pathApi(platform)
  const resolved = api.resolve(p)
  return api.parse(resolved).root === resolved || api.dirname(resolved) === resolved
}

/**
 * Classes an absolute path (taken as real: resolve links first) without touching the disk:
 * a system folder, the filesystem root, the user's whole home folder, or an ordinary folder.
 */
export function classifyFolder(absolute: string, options: FolderPlatform = {}): FolderClass {
  const platform = options.platform ?? process.platform
  const home = options.home ?? os.homedir()
  const env = options.env ?? process.env
  const api = pathApi(platform)
  if (!api.isAbsolute(absolute)) return 'system'
  const p = api.resolve(absolute)
  if (isRoot(p, platform)) return 'root'
  if (same(p, home, platform)) return 'home'
  const { tree, exact } = systemFolders(platform, home, env)
  if (exact.some((s) => same(p, s, platform))) return 'system'
  // Home folders may live under a system tree (root's is /root; some systems use /var/home): never refuse
  // what lies inside the user's own home on account of where the home is.
  if (inside(p, home, platform)) {
    return tree.some((s) => inside(p, s, platform) && inside(s, home, platform)) ? 'system' : 'ok'
  }
  return tree.some((s) => inside(p, s, platform)) ? 'system' : 'ok'
}

/**
 * The cheap check for folder browsers: whether an absolute path (as shown, not resolved) is a system folder
 * Tessera will refuse. The filesystem root and the home folder are not refused (they need a confirmation).
 */
export function isRefusedSystemFolder(absolute: string, options: FolderPlatform = {}): boolean {
  return classifyFolder(absolute, options) === 'system'
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Checks a folder the user gave; resolves to its real path, or to the reason it is refused. */
export async function checkFolder(input: string, options: FolderPolicyOptions): Promise<FolderVerdict> {
  const platform = options.platform ?? process.platform
  const api = pathApi(platform)
  const realpath = options.realpath ?? ((p: string) => fs.realpath(p))
  const stat = options.stat ?? ((p: string) => fs.stat(p))
  const refuse = (code: FolderRefusal, reason: string): FolderVerdict => ({ ok: false, code, reason })

  if (input.includes('\0')) return refuse('not-found', `Cannot add ${JSON.stringify(input)}: no such folder.`)
  if (!api.isAbsolute(input)) {
    const example = platform === 'win32' ? 'C:\\Users\\you\\Pictures' : '/home/you/Pictures'
    return refuse(
      'relative-path',
      `Cannot add ${input}: give the folder's full path (like ${example}), not a path relative to the current folder.`,
    )
  }
  let real: string
  try {
    real = await realpath(api.resolve(input))
  } catch (error) {
    const code = errnoCode(error)
    if (code === 'EACCES' || code === 'EPERM')
      return refuse('not-found', `Cannot add ${input}: permission denied.`)
    return refuse('not-found', `Cannot add ${input}: no such folder.`)
  }
  const shown = same(real, input, platform) ? input : `${input} (a link to ${real})`
  try {
    if (!(await stat(real)).isDirectory())
      return refuse('not-a-folder', `Cannot add ${shown}: it is not a folder.`)
  } catch {
    return refuse('not-found', `Cannot add ${shown}: no such folder.`)
  }
  const library = await realpath(options.libraryDir).catch(() => api.resolve(options.libraryDir))
  if (inside(real, library, platform))
    return refuse(
      'library-folder',
      `Cannot add ${shown}: it is the library's own data folder (or inside it).`,
    )
  const kind = classifyFolder(real, { platform, home: options.home, env: options.env })
  if (kind === 'system')
    return refuse('system-folder', `Cannot add ${shown}: it is a system folder, not a photos folder.`)
  if ((kind === 'root' || kind === 'home') && !options.confirm) {
    const what = kind === 'root' ? 'the whole disk' : 'your whole home folder'
    return refuse(
      'needs-confirmation',
      `Adding ${shown} would index ${what}: confirm it, or choose the folder that holds your photos.`,
    )
  }
  return { ok: true, path: real }
}

/** {@link checkFolder}, throwing a {@link FolderRefusedError} for a refused folder. */
export async function requireFolder(input: string, options: FolderPolicyOptions): Promise<string> {
  const verdict = await checkFolder(input, options)
  if (!verdict.ok) throw new FolderRefusedError(verdict.reason, verdict.code)
  return verdict.path
}
