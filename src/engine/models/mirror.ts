/**
 * A model mirror replaces every upstream: file `<name>` of pack `<id>` is `<mirror>/<id>/<name>`. The
 * mirror is a folder (for offline machines and CI) or an http(s) URL (an internal server).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const MIRROR_ENV = 'TESSERA_MODEL_MIRROR'

export function mirrorFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[MIRROR_ENV]?.trim()
  return value ? value : undefined
}

export function isHttpUrl(location: string): boolean {
  return /^https?:\/\//i.test(location)
}

/** Where the mirror keeps one file: an http(s) URL or a local path. */
export function mirrorLocation(mirror: string, packId: string, fileName: string): string {
  if (isHttpUrl(mirror)) {
    return `${mirror.replace(/\/+$/, '')}/${encodeURIComponent(packId)}/${encodeURIComponent(fileName)}`
  }
  const root = /^file:/i.test(mirror) ? fileURLToPath(mirror) : mirror
  // Absolute, so that a message naming the file means the same wherever it is read.
  return path.resolve(root, packId, fileName)
}
