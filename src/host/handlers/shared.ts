/** Small helpers the domain handlers share. */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Engine } from '../../engine/engine.js'
import type { PhotoRow } from '../../engine/store/photo-store.js'
import type { SearchFilters } from '../../shared/contract.js'
import type { EngineSearchFilters } from '../engine-types.js'

/** The library's rows for these ids, by id (ids no longer in the library are absent). */
export async function rowsById(engine: Pick<Engine, 'store'>, ids: string[]): Promise<Map<string, PhotoRow>> {
  return new Map((await engine.store.get(ids)).map((r) => [r.id, r]))
}

/** The contract's search filters as the engine takes them (an album becomes its members). */
export async function engineFilters(
  engine: Pick<Engine, 'albums'>,
  filters: SearchFilters,
): Promise<EngineSearchFilters> {
  const out: EngineSearchFilters = { folder: filters.folder, from: filters.from, to: filters.to }
  if (filters.place) out.place = filters.place
  if (filters.album) out.ids = new Set(await (await engine.albums()).members(filters.album))
  return out
}

/**
 * Runs `work` on a file in a private temporary folder, removed afterwards whatever happens: the engine reads
 * and writes files, while the interface sends and receives bytes (a dropped image, an album export).
 * Only the name's extension is kept, cleaned, so the name cannot point anywhere.
 */
export async function withTempFile<T>(name: string, work: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-'))
  const ext = path
    .extname(name)
    .toLowerCase()
    .replace(/[^.a-z0-9]/g, '')
  try {
    return await work(path.join(dir, `${randomUUID()}${ext}`))
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
