import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import exifr from 'exifr'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CAMERA_HEIGHT,
  CAMERA_WIDTH,
  makeCameraJpegs,
  makeSmallDistinctImages,
  SMALL_HEIGHT,
  SMALL_WIDTH,
} from '../../../bench/corpus'

// Needs the seed photos in shared/datasets beside the repository (or $TESSERA_DATASETS), like CI has.
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tessera-corpus-'))
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}

describe('makeCameraJpegs', () => {
  it('makes distinct 12 MP JPEGs with camera EXIF, and reuses them', { timeout: 120_000 }, async () => {
    const dir = join(work, 'camera')
    const paths = await makeCameraJpegs(dir, 2)
    expect(paths.map((p) => basename(p))).toEqual(['IMG_00001.jpg', 'IMG_00002.jpg'])

    for (const [i, path] of paths.entries()) {
      const meta = await sharp(path).metadata()
      expect(meta).toMatchObject({ format: 'jpeg', width: CAMERA_WIDTH, height: CAMERA_HEIGHT })
      const exif = (await exifr.parse(path, ['Make', 'Model', 'DateTimeOriginal'])) as Record<string, unknown>
      expect(exif['Make']).toBe('Tessera')
      expect(exif['Model']).toBe('BenchCam 12')
      expect(exif['DateTimeOriginal']).toBeInstanceOf(Date)
      expect((await stat(path)).size, `photo ${i} should compress like a photo`).toBeGreaterThan(1_000_000)
    }
    expect(new Set(await Promise.all(paths.map(sha256))).size).toBe(2)

    // Cached: the good file is kept; a wrong-sized one is made again.
    const keptMtime = (await stat(paths[0] as string)).mtimeMs
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer()
    await writeFile(paths[1] as string, tiny)
    await makeCameraJpegs(dir, 2)
    expect((await stat(paths[0] as string)).mtimeMs).toBe(keptMtime)
    expect(await sharp(paths[1] as string).metadata()).toMatchObject({
      width: CAMERA_WIDTH,
      height: CAMERA_HEIGHT,
    })
  })
})

describe('makeSmallDistinctImages', () => {
  it('makes distinct small JPEGs in folders of 500, and reuses them', async () => {
    const dir = join(work, 'small')
    const paths = await makeSmallDistinctImages(dir, 1001)
    expect(paths).toHaveLength(1001)
    expect(await readdir(dir)).toEqual(['000', '001', '002'])
    expect((await readdir(join(dir, '000'))).length).toBe(500)
    expect((await readdir(join(dir, '002'))).length).toBe(1)
    expect(paths.map((p) => basename(dirname(p)))[500]).toBe('001')

    for (const path of [paths[0], paths[777], paths[1000]] as string[]) {
      expect(await sharp(path).metadata()).toMatchObject({
        format: 'jpeg',
        width: SMALL_WIDTH,
        height: SMALL_HEIGHT,
      })
    }
    const hashes = await Promise.all(paths.map(sha256))
    expect(new Set(hashes).size).toBe(1001)

    // Pixels differ too, not only bytes: the same seed photo comes back at another place and tint.
    const [a, b] = await Promise.all(
      [paths[0], paths[104]].map((p) =>
        sharp(p as string)
          .raw()
          .toBuffer(),
      ),
    )
    expect(a?.equals(b as Buffer)).toBe(false)

    // Cached: existing files are kept, and leftovers of an interrupted run are swept away.
    const mtime = (await stat(paths[500] as string)).mtimeMs
    await writeFile(join(dir, '001', 'img-00600.jpg.123.corpus-tmp'), 'half a file')
    expect(await makeSmallDistinctImages(dir, 1001)).toEqual(paths)
    expect((await stat(paths[500] as string)).mtimeMs).toBe(mtime)
    expect((await readdir(join(dir, '001'))).length).toBe(500)
  })

  it('refuses more images than its index strip can tell apart', async () => {
    await expect(makeSmallDistinctImages(join(work, 'too-many'), 70_000)).rejects.toThrow(RangeError)
  })
})
