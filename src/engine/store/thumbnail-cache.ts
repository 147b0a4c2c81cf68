import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'

/** WebP files start with `RIFF`, a size, then `WEBP`. */
function isWebp(bytes: Uint8Array): boolean {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to))
  return bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP'
}

/**
 * Thumbnails (long side 320 px) kept per content hash, so copies and renamed files share one.
 * A cache: a crash can leave one missing (it is made again), never a half-written one under its final name.
 *
 * Indexing writes JPEG (`<hash>.jpg`): libjpeg-turbo encodes one in a fraction of the time libwebp takes.
 * Libraries indexed before keep their WebP thumbnails (`<hash>.webp`): both are read, neither is rebuilt.
 * A file's name follows its bytes, so any writer gets the right extension.
 */
export class ThumbnailCache {
  /** Shard folders known to exist: one mkdir each per process, not one per thumbnail. */
  private readonly madeDirs = new Set<string>()

  constructor(readonly dir: string) {}

  private base(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`Not a content hash: ${hash}`)
    return path.join(this.dir, hash.slice(0, 2), hash)
  }

  /** Where a JPEG thumbnail of this content is written (see `find` for one that exists). */
  pathFor(hash: string): string {
    return `${this.base(hash)}.jpg`
  }

  /** The thumbnail file of this content: the JPEG, else the WebP of an older library; null when none. */
  async find(hash: string): Promise<string | null> {
    const base = this.base(hash)
    for (const file of [`${base}.jpg`, `${base}.webp`]) {
      if (
        await fs.access(file).then(
          () => true,
          () => false,
        )
      )
        return file
    }
    return null
  }

  async has(hash: string): Promise<boolean> {
    return (await this.find(hash)) !== null
  }

  /** The thumbnail's bytes, or null when there is none (or it cannot be read). */
  async read(hash: string): Promise<Buffer | null> {
    const file = await this.find(hash)
    return file === null ? null : fs.readFile(file).catch(() => null)
  }

  /** Stores `image` (JPEG, or WebP from older writers) unless this content has a thumbnail already. */
  async write(hash: string, image: Uint8Array): Promise<void> {
    const base = this.base(hash)
    // On the indexer's hot path, where the answer is nearly always no: two stats that answer without an
    // exception (a failed fs.access builds an error object per file, which cost more than the stat itself).
    if (existsSync(`${base}.jpg`) || existsSync(`${base}.webp`)) return
    const target = `${base}${isWebp(image) ? '.webp' : '.jpg'}`
    const shard = path.dirname(target)
    if (!this.madeDirs.has(shard)) {
      await fs.mkdir(shard, { recursive: true })
      this.madeDirs.add(shard)
    }
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`
    try {
      await fs.writeFile(tmp, image)
    } catch (error) {
      // The folder was removed meanwhile (the cache cleared by hand): make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.madeDirs.delete(shard)
      await fs.mkdir(shard, { recursive: true })
      this.madeDirs.add(shard)
      await fs.writeFile(tmp, image)
    }
    await fs.rename(tmp, target)
  }
}
