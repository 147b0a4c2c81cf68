/**
 * Benchmark corpora made from the real seed photos (`shared/datasets/seed-5class`), generated on
 * demand and cached on disk so repeated runs only pay for what is missing.
 *
 * The datasets folder is `../shared/datasets` from the repository root, or `$TESSERA_DATASETS`.
 *
 * @example
 * const photos = await makeCameraJpegs('/tmp/tessera-bench/camera', 50)
 * const thumbs = await makeSmallDistinctImages('/tmp/tessera-bench/small', 10_000)
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

export const CAMERA_WIDTH = 4000
export const CAMERA_HEIGHT = 3000
export const CAMERA_QUALITY = 90
export const SMALL_WIDTH = 64
export const SMALL_HEIGHT = 48
export const SMALL_PER_FOLDER = 500

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))
const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp'])
const TMP_SUFFIX = '.corpus-tmp'

export interface CorpusOptions {
  /** Folder of source photos (searched recursively); defaults to {@link seedPhotosDir}. */
  seedDir?: string
  /** Images generated at once. */
  concurrency?: number
}

/** `$TESSERA_DATASETS`, or `shared/datasets` beside the repository. */
export function datasetsDir(): string {
  return resolve(process.env['TESSERA_DATASETS'] ?? join(REPO_ROOT, '..', 'shared', 'datasets'))
}

export function seedPhotosDir(): string {
  return join(datasetsDir(), 'seed-5class')
}

/** Every photo under `seedDir`, sorted, so the generated corpus is the same on every machine. */
export async function listSeedPhotos(seedDir = seedPhotosDir()): Promise<string[]> {
  let entries: string[]
  try {
    entries = await readdir(seedDir, { recursive: true })
  } catch (error) {
    throw new Error(
      `No seed photos at ${seedDir}: put shared/datasets beside the repository or set TESSERA_DATASETS.`,
      { cause: error },
    )
  }
  const photos = entries
    .filter((entry) => PHOTO_EXTENSIONS.has(extname(entry).toLowerCase()))
    .sort()
    .map((entry) => join(seedDir, entry))
  if (photos.length === 0) throw new Error(`No photos (jpg, png, webp) under ${seedDir}.`)
  return photos
}

/**
 * `count` distinct camera-like photos, `IMG_00001.jpg`..., 4000×3000 (12 MP) JPEG at quality 90,
 * with EXIF Make, Model and DateTimeOriginal (one minute apart). Each is a seed photo upscaled with
 * its own crop shift, mirror, colour shift and sensor-like noise, so no two files are alike and
 * they compress like real photos (2–3 MB each). A file that already exists at 4000×3000 is kept.
 *
 * @returns the paths, in order.
 */
export async function makeCameraJpegs(
  dir: string,
  count: number,
  options: CorpusOptions = {},
): Promise<string[]> {
  const photos = await listSeedPhotos(options.seedDir)
  await listFolder(dir)
  const width = Math.max(5, String(count).length)
  const paths = Array.from({ length: count }, (_, i) =>
    join(dir, `IMG_${String(i + 1).padStart(width, '0')}.jpg`),
  )
  const concurrency = options.concurrency ?? Math.min(4, availableParallelism())

  await forEachLimit(count, concurrency, async (i) => {
    const path = paths[i] as string
    if (await hasSize(path, CAMERA_WIDTH, CAMERA_HEIGHT)) return
    const source = photos[i % photos.length] as string
    const mirrored = Math.floor(i / photos.length) % 2 === 1
    await writeAtomically(path, await cameraJpeg(source, i, mirrored))
  })
  return paths
}

/**
 * `count` distinct small JPEGs (64×48), 500 per subfolder (`000/img-00000.jpg`, ...), for the
 * unchanged-rescan benchmark. Each is a crop of a seed photo at an index-dependent place and tint,
 * with the index drawn as a 16-cell strip along the bottom edge, so every image differs in its
 * pixels, not only in its name. Existing files are kept.
 *
 * @throws RangeError when `count` exceeds the 65,536 indexes the 16-cell strip can tell apart.
 * @returns the paths, in order.
 */
export async function makeSmallDistinctImages(
  dir: string,
  count: number,
  options: CorpusOptions = {},
): Promise<string[]> {
  if (count > 2 ** 16) {
    throw new RangeError(`makeSmallDistinctImages: at most 65536 images, asked for ${count}`)
  }
  const folders = Math.ceil(count / SMALL_PER_FOLDER)
  const folderWidth = Math.max(3, String(folders - 1).length)
  const fileWidth = Math.max(5, String(count - 1).length)
  const folderNames = Array.from({ length: folders }, (_, f) => String(f).padStart(folderWidth, '0'))
  const paths = Array.from({ length: count }, (_, i) =>
    join(
      dir,
      folderNames[Math.floor(i / SMALL_PER_FOLDER)] as string,
      `img-${String(i).padStart(fileWidth, '0')}.jpg`,
    ),
  )

  // One listing per folder instead of a stat per file.
  const existing = new Set<string>()
  for (const name of folderNames) {
    for (const file of await listFolder(join(dir, name))) existing.add(file)
  }
  const missing = paths.flatMap((path, i) => (existing.has(path) ? [] : [i]))
  if (missing.length === 0) return paths

  const pool = await loadThumbnailPool(await listSeedPhotos(options.seedDir))
  await forEachLimit(missing.length, options.concurrency ?? 32, async (m) => {
    const i = missing[m] as number
    const pixels = smallPixels(pool, i)
    const jpeg = await sharp(pixels, { raw: { width: SMALL_WIDTH, height: SMALL_HEIGHT, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer()
    await writeAtomically(paths[i] as string, jpeg)
  })
  return paths
}

async function cameraJpeg(source: string, index: number, mirrored: boolean): Promise<Buffer> {
  const random = mulberry32(0x7e55e7a + index)
  const marginX = 96
  const marginY = 72
  const noise = noiseTile(512, random, 11)
  const taken = new Date(Date.UTC(2024, 4, 1, 9, 0, 0) + index * 60_000)

  return sharp(source)
    .rotate()
    .flop(mirrored)
    .resize(CAMERA_WIDTH + marginX, CAMERA_HEIGHT + marginY, { fit: 'cover', kernel: 'lanczos3' })
    .extract({
      left: Math.floor(random() * marginX),
      top: Math.floor(random() * marginY),
      width: CAMERA_WIDTH,
      height: CAMERA_HEIGHT,
    })
    .modulate({
      brightness: 0.92 + random() * 0.16,
      saturation: 0.9 + random() * 0.25,
      hue: Math.round(random() * 16 - 8),
    })
    .composite([
      { input: noise, raw: { width: 512, height: 512, channels: 3 }, tile: true, blend: 'overlay' },
    ])
    .withExif({
      IFD0: { Make: 'Tessera', Model: 'BenchCam 12', Software: 'tessera bench/corpus.ts' },
      IFD2: { DateTimeOriginal: exifDate(taken) },
    })
    .jpeg({ quality: CAMERA_QUALITY })
    .toBuffer()
}

/** Seed photos shrunk once to a small raw RGB pool that the small images are cropped from. */
interface ThumbnailPool {
  width: number
  height: number
  images: Buffer[]
}

async function loadThumbnailPool(photos: string[]): Promise<ThumbnailPool> {
  const width = 160
  const height = 120
  const images = new Array<Buffer>(photos.length)
  await forEachLimit(photos.length, 8, async (p) => {
    images[p] = await sharp(photos[p] as string)
      .rotate()
      .resize(width, height, { fit: 'cover' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer()
  })
  return { width, height, images }
}

/** RGB pixels of small image `index`: a tinted crop of one pool photo plus the index strip. */
function smallPixels(pool: ThumbnailPool, index: number): Buffer {
  const random = mulberry32(0x5a11 + index)
  const source = pool.images[index % pool.images.length] as Buffer
  const left = Math.floor(random() * (pool.width - SMALL_WIDTH + 1))
  const top = Math.floor(random() * (pool.height - SMALL_HEIGHT + 1))
  const gain = [0.75 + random() * 0.5, 0.75 + random() * 0.5, 0.75 + random() * 0.5]
  const out = Buffer.alloc(SMALL_WIDTH * SMALL_HEIGHT * 3)

  for (let y = 0; y < SMALL_HEIGHT; y++) {
    for (let x = 0; x < SMALL_WIDTH; x++) {
      const from = ((top + y) * pool.width + left + x) * 3
      const to = (y * SMALL_WIDTH + x) * 3
      for (let c = 0; c < 3; c++)
        out[to + c] = Math.min(255, (source[from + c] as number) * (gain[c] as number))
    }
  }
  // 16 cells of 4×4 pixels along the bottom edge, dark for a 0 bit and light for a 1 bit.
  const cell = SMALL_WIDTH / 16
  for (let bit = 0; bit < 16; bit++) {
    const value = ((index >> bit) & 1) === 1 ? 235 : 20
    for (let y = SMALL_HEIGHT - cell; y < SMALL_HEIGHT; y++) {
      out.fill(value, (y * SMALL_WIDTH + bit * cell) * 3, (y * SMALL_WIDTH + (bit + 1) * cell) * 3)
    }
  }
  return out
}

/** A square RGB tile of zero-mean noise around mid-grey (about `sigma` levels), for an overlay blend. */
function noiseTile(size: number, random: () => number, sigma: number): Buffer {
  const tile = Buffer.alloc(size * size * 3)
  for (let i = 0; i < tile.length; i++) {
    // Sum of three uniforms: close enough to Gaussian, with standard deviation 1.
    const n = (random() + random() + random() - 1.5) * 2
    tile[i] = Math.max(0, Math.min(255, Math.round(128 + n * sigma)))
  }
  return tile
}

async function hasSize(path: string, width: number, height: number): Promise<boolean> {
  try {
    const meta = await sharp(path).metadata()
    return meta.width === width && meta.height === height
  } catch {
    return false
  }
}

/** Creates `folder` if needed and lists its files, deleting temporary files an interrupted run left. */
async function listFolder(folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true })
  const files: string[] = []
  for (const name of await readdir(folder)) {
    if (name.endsWith(TMP_SUFFIX)) await rm(join(folder, name), { force: true })
    else files.push(join(folder, name))
  }
  return files
}

/** Writes through a temporary name, so an interrupted run never leaves a half file that looks cached. */
async function writeAtomically(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}${TMP_SUFFIX}`
  try {
    await writeFile(tmp, data)
    await rename(tmp, path)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

/** Runs `task(0..count-1)` with at most `limit` in flight; rejects with the first failure. */
async function forEachLimit(
  count: number,
  limit: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker))
}

/** Small deterministic PRNG (mulberry32): the same index always gives the same image. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function exifDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return (
    `${date.getUTCFullYear()}:${pad(date.getUTCMonth() + 1)}:${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  )
}
