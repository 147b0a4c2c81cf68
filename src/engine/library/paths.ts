import os from 'node:os'
import path from 'node:path'

/** The app's name, which is also the per-user data folder's name Electron's `app.getPath('userData')` uses. */
export const APP_NAME = 'tessera'

/** The per-user app-data folder, the same one the Electron app uses, so the CLI and the app share a library. */
export function defaultLibraryDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir()
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME)
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME)
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_NAME)
}

/** `--library DIR` wins over `TESSERA_LIBRARY`, which wins over the default. */
export function resolveLibraryDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.TESSERA_LIBRARY
  return path.resolve(chosen && chosen.length > 0 ? chosen : defaultLibraryDir(env))
}

/** Where everything of one library lives. */
export interface LibraryLayout {
  dir: string
  db: string
  thumbs: string
  packs: string
  heads: string
  settings: string
  lock: string
  /** The pair verifier's verdicts, kept between duplicate runs (dupes/verdict-cache.ts). */
  verdicts: string
}

export function libraryLayout(dir: string): LibraryLayout {
  return {
    dir,
    db: path.join(dir, 'db'),
    thumbs: path.join(dir, 'thumbs'),
    packs: path.join(dir, 'packs'),
    heads: path.join(dir, 'heads'),
    settings: path.join(dir, 'library.json'),
    lock: path.join(dir, 'library.lock'),
    verdicts: path.join(dir, 'pair-verdicts.json'),
  }
}
