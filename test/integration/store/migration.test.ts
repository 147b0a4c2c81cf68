import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as lancedb from '@lancedb/lancedb'
import * as arrow from 'apache-arrow'
import { afterEach, describe, expect, it } from 'vitest'
import { blankPhotoRow, PhotoStore, photoSchema } from '../../../src/engine/store/photo-store'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A library written before the date-source, place and label columns existed. */
const NEW_COLUMNS = ['dateSource', 'placeCity', 'placeCountry', 'labels']

describe('photos table migration', () => {
  it('adds the newer columns, empty, to a library made by an older version, keeping every row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-migrate-'))
    dirs.push(dir)
    const oldSchema = new arrow.Schema(photoSchema.fields.filter((f) => !NEW_COLUMNS.includes(f.name)))
    const db = await lancedb.connect(dir)
    const row = blankPhotoRow({
      id: '0f0e0d0c-0000-4000-8000-000000000001',
      path: '/p/a.jpg',
      root: '/p',
      size: 5,
      mtimeMs: 1,
    })
    const old: Record<string, unknown> = { ...row, takenAt: '2021-05-01T10:00:00' }
    for (const c of NEW_COLUMNS) delete old[c]
    const table = await db.createTable('photos', lancedb.makeArrowTable([old], { schema: oldSchema }))
    expect((await table.schema()).fields.map((f) => f.name)).not.toContain('dateSource')
    table.close()
    db.close()

    const store = await PhotoStore.open(dir)
    try {
      const [back] = await store.get([row.id])
      expect(back?.takenAt).toBe('2021-05-01T10:00:00')
      for (const c of NEW_COLUMNS) expect(back).toHaveProperty(c, null)
      await store.patch([{ id: row.id, dateSource: 'exif', placeCity: 'Paris', placeCountry: 'France' }])
      const [patched] = await store.get([row.id])
      expect(patched).toMatchObject({ dateSource: 'exif', placeCity: 'Paris', placeCountry: 'France' })
    } finally {
      store.close()
    }
    // A second open finds nothing to add and keeps the data.
    const again = await PhotoStore.open(dir)
    expect(await again.count()).toBe(1)
    // Whole rows of the current schema go into the migrated table.
    const fresh = {
      ...blankPhotoRow({
        id: '0f0e0d0c-0000-4000-8000-000000000002',
        path: '/p/b.jpg',
        root: '/p',
        size: 6,
        mtimeMs: 2,
      }),
      labels: '[]',
    }
    await again.upsert([fresh])
    expect((await again.get([fresh.id]))[0]?.labels).toBe('[]')
    again.close()
  })
})
