import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * WebP thumbnails (long side 320 px) kept per content hash, so copies and renamed files share one.
 * A cache: a crash can leave one missing (it is made again), never a half-written one under its final name.
 */
export class ThumbnailCache {
  /** Shard folders known to exist: one mkdir each per process, not one per thumbnail. */
  private readonly madeDirs = new Set<string>()

  constructor(readonly dir: string) {}

  pathFor(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`Not a content hash: ${hash}`)
    return path.join(this.dir, hash.slice(0, 2), `${hash}.webp`)
  }

  async has(hash: string): Promise<boolean> {
    return fs.access(this.pathFor(hash)).then(
      () => true,
      () => false,
    )
  }

  async write(hash: string, webp: Uint8Array): Promise<void> {
    const target = this.pathFor(hash)
    if (await this.has(hash)) return
    const shard = path.dirname(target)
    if (!this.madeDirs.has(shard)) {
      await fs.mkdir(shard, { recursive: true })
      this.madeDirs.add(shard)
    }
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`
    try {
      await fs.writeFile(tmp, webp)
    } catch (error) {
      // The folder was removed meanwhile (the cache cleared by hand): make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.madeDirs.delete(shard)
      await fs.mkdir(shard, { recursive: true })
      this.madeDirs.add(shard)
      await fs.writeFile(tmp, webp)
    }
    await fs.rename(tmp, target)
  }
}
