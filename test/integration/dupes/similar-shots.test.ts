/**
 * Similar shots with the real CLI (`tessera dupes --similar`), the real decoder, embeddings and pair verifier:
 * - flowers17-40 (680 photos, no EXIF, every file of a folder copied in the same second) lists no similar
 *   shot: the file times say nothing there, and no two distinct photos share a framing;
 * - a generated burst is found, with EXIF (same camera, a second apart) and without (one folder, file times a
 *   second apart, the same framing with the subject moving in);
 * - nine look-alike dogs on nine different days are not a burst, nor nine dogs copied together without EXIF;
 * - a left-right mirrored copy is found only with --mirror.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPairVerifier } from '../../../src/engine/dupes/verify-pair.js'
import { FRAMING, sameFraming, SHOT_RULES, shotCandidates } from '../../../src/engine/dupes/similar-shots.js'
import { PhotoStore } from '../../../src/engine/store/photo-store.js'
import { cachedLibrary, datasetDir } from '../cached-library.js'
import { REPO, runCli, SEED, tempDir } from '../support.js'

// Real path: the library stores photos by real path (the datasets folder may be reached through a link).
const FLOWERS = datasetDir('flowers17-40')

interface Group {
  kind: 'exact' | 'near' | 'similar'
  keep: string
  photos: string[]
}

let work: string
let env: NodeJS.ProcessEnv

async function dupes(library: string, ...args: string[]): Promise<Group[]> {
  const res = await runCli(['dupes', '--library', library, '--json', '-q', ...args], env)
  expect(res.code, res.stderr).toBe(0)
  return (JSON.parse(res.stdout) as { groups: Group[] }).groups
}

const names = (g: Group) => g.photos.map((p) => path.relative(work, p)).sort()

/** EXIF of a camera frame at `when` (wall-clock "YYYY:MM:DD HH:MM:SS"). */
const exif = (when: string) => ({
  IFD0: { Make: 'Canon', Model: 'EOS 80D' },
  IFD2: { DateTimeOriginal: when },
})

/**
 * Frames of one scene (the `n`th photo of the seed's Location class): the window moves by a few per cent
 * each time; with `subject`, a small subject (a dog from another photo) walks in at another place in each
 * frame; with `tint`, the white balance changes from frame to frame (so the pixels do not make them one
 * picture: near needs the colours to agree).
 */
async function burstFrames(n: number, opts: { subject?: boolean; tint?: boolean }): Promise<Buffer[]> {
  const scene = path.join(SEED, 'Location', (await fs.readdir(path.join(SEED, 'Location'))).sort()[n]!)
  const dog = path.join(SEED, 'Dog', 'd1.jpeg')
  const { width: W, height: H } = await sharp(scene).metadata()
  const w = Math.round(W! * 0.94)
  const h = Math.round(H! * 0.94)
  const frames: Buffer[] = []
  // The white balance of each frame: as shot, warmer, greener.
  const tints: Array<Array<[number, number, number]> | null> = [
    null,
    [
      [1.3, 0, 0],
      [0, 1, 0],
      [0, 0, 0.7],
    ],
    [
      [0.75, 0, 0],
      [0, 1.25, 0],
      [0, 0, 0.75],
    ],
  ]
  for (const [i, [dx, dy]] of [
    [0, 0],
    [0.015, 0.01],
    [-0.01, 0.02],
  ].entries()) {
    const left = Math.round(W! * (0.03 + dx!))
    const top = Math.round(H! * (0.03 + dy!))
    let img = sharp(scene).extract({ left, top, width: w, height: h })
    const tint = tints[i]
    if (opts.tint && tint)
      img = img.recomb(tint as [[number, number, number], [number, number, number], [number, number, number]])
    let out = await img.jpeg({ quality: 92 }).toBuffer()
    if (opts.subject && i > 0) {
      const subject = await sharp(dog)
        .resize(Math.round(w * 0.25), Math.round(h * 0.25), { fit: 'fill' })
        .toBuffer()
      out = await sharp(out)
        .composite([{ input: subject, left: Math.round(w * (0.1 + 0.3 * i)), top: Math.round(h * 0.6) }])
        .jpeg({ quality: 92 })
        .toBuffer()
    }
    frames.push(out)
  }
  return frames
}

let flowersLib: string
let lib: string

beforeAll(async () => {
  work = await tempDir('similar-shots')
  env = { TESSERA_TRASH_DIR: path.join(work, 'trash') }
  flowersLib = path.join(work, 'flowers-library')
  lib = path.join(work, 'library')
  const photos = path.join(work, 'photos')
  const t0 = new Date(Date.UTC(2024, 4, 1, 10, 0, 0))

  // A burst with EXIF: one camera, a second apart.
  const frames = await burstFrames(0, { subject: true })
  await fs.mkdir(path.join(photos, 'burst-exif'), { recursive: true })
  for (const [i, f] of frames.entries())
    await sharp(f)
      .withExif(exif(`2024:05:01 10:00:0${i}`))
      .jpeg({ quality: 92 })
      .toFile(path.join(photos, 'burst-exif', `IMG_${i}.jpg`))
  // A burst of another scene without EXIF: one folder, file times a second apart.
  await fs.mkdir(path.join(photos, 'burst-files'), { recursive: true })
  for (const [i, f] of (await burstFrames(1, { tint: true })).entries()) {
    const file = path.join(photos, 'burst-files', `frame_${i}.jpg`)
    await fs.writeFile(file, f)
    const at = new Date(t0.getTime() + 3600_000 + i * 1000)
    await fs.utimes(file, at, at)
  }
  // Nine dogs, one camera, nine different days; and nine dogs without EXIF, copied together.
  await fs.mkdir(path.join(photos, 'dogs-exif'), { recursive: true })
  await fs.mkdir(path.join(photos, 'dogs-copied'), { recursive: true })
  for (let i = 1; i <= 9; i++) {
    const src = path.join(SEED, 'Dog', `d${i}.jpeg`)
    await sharp(src)
      .withExif(exif(`2024:05:0${i} 10:00:00`))
      .jpeg({ quality: 92 })
      .toFile(path.join(photos, 'dogs-exif', `dog_${i}.jpg`))
    const copy = path.join(photos, 'dogs-copied', `dog_${i + 9}.jpg`)
    await fs.copyFile(path.join(SEED, 'Dog', `d${i + 9}.jpeg`), copy)
    await fs.utimes(copy, t0, t0)
  }
  // A photo and its left-right mirror.
  await fs.mkdir(path.join(photos, 'mirror'), { recursive: true })
  const vehicle = path.join(SEED, 'Vehicle', 'v1.jpeg')
  await fs.copyFile(vehicle, path.join(photos, 'mirror', 'car.jpg'))
  await sharp(vehicle)
    .flop()
    .jpeg({ quality: 90 })
    .toFile(path.join(photos, 'mirror', 'car mirrored.jpg'))

  // flowers17-40 as `tessera index` leaves it, indexed once for the test run (cached-library.ts).
  const [indexed] = await Promise.all([
    runCli(['index', photos, '--library', lib, '-q'], env),
    cachedLibrary('flowers17-40', flowersLib),
  ])
  expect(indexed.code, indexed.stderr).toBe(0)
}, 1_200_000)

afterAll(async () => {
  if (process.env.KEEP_SIMILAR_WORK) console.log(`kept ${work}`)
  else await fs.rm(work, { recursive: true, force: true })
})

/**
 * The photos of flowers17-40 that are one photograph (pairs looked at by eye, with the reason, in the
 * held-out fixture of the near-duplicate work): a similar-shot group may hold these, never anything else.
 */
async function samePhotographs(): Promise<Set<string>> {
  const fixture = JSON.parse(
    await fs.readFile(path.join(REPO, 'test', 'fixtures', 'flowers17-40-duplicates.json'), 'utf8'),
  ) as { pairs: Array<{ a: string; b: string }> }
  return new Set(fixture.pairs.flatMap(({ a, b }) => [`${a}|${b}`, `${b}|${a}`]))
}

const inFlowers = (p: string) => path.relative(FLOWERS, p).split(path.sep).join('/')

describe('flowers17-40 (no EXIF, files copied in the same second)', () => {
  // Loose first: its wider net proposes every pair normal and strict propose, and a pixel verdict does not
  // depend on the level (verify-pair.ts), so the two stricter runs answer from the verdicts loose kept in the
  // library (verdict-cache.ts; the same answers, tested in verdicts-cli.test.ts) instead of checking the same
  // pairs again: some 20 s less CPU.
  it.each(['loose', 'normal', 'strict'] as const)(
    '--similar at %s lists no group of distinct photos',
    async (level) => {
      const same = await samePhotographs()
      const groups = (await dupes(flowersLib, '--similar', '--level', level)).filter(
        (g) => g.kind === 'similar',
      )
      const distinct: string[] = []
      for (const g of groups)
        for (let i = 0; i < g.photos.length; i++)
          for (let j = i + 1; j < g.photos.length; j++) {
            const pair = `${inFlowers(g.photos[i]!)}|${inFlowers(g.photos[j]!)}`
            if (!same.has(pair)) distinct.push(pair)
          }
      console.log(
        `flowers17-40 --similar --level ${level}: ${groups.length} similar groups, distinct pairs: ${distinct.length}`,
      )
      expect(distinct).toEqual([])
    },
    600_000,
  )

  it('no two distinct photos of a folder share a framing', async () => {
    const same = await samePhotographs()
    const store = await PhotoStore.open(path.join(flowersLib, 'db'))
    const rows = await store.query(`status = 'ok'`, [
      'id',
      'path',
      'hash',
      'takenAt',
      'cameraMake',
      'cameraModel',
      'embedding',
      'dateSource',
      'mtimeMs',
    ])
    store.close()
    expect(rows).toHaveLength(680)
    // Every pair the file times propose at loose (the widest), as the engine would ask the verifier.
    const candidates = shotCandidates(rows, SHOT_RULES.loose)
    const framed: string[] = []
    expect(candidates.every((c) => c.evidence === 'files')).toBe(true)
    const verify = createPairVerifier()
    let most = 0
    let strong = 0
    let sameMost = 0
    for (const c of candidates) {
      const v = await verify(rows[c.i]!, rows[c.j]!)
      if (same.has(`${inFlowers(rows[c.i]!.path)}|${inFlowers(rows[c.j]!.path)}`))
        sameMost = Math.max(sameMost, v.inliers)
      else {
        most = Math.max(most, v.inliers)
        if (v.inliers >= FRAMING.minInliers) strong++
        if (sameFraming(v))
          framed.push(`${inFlowers(rows[c.i]!.path)}|${inFlowers(rows[c.j]!.path)}: ${v.reason}`)
      }
    }
    console.log(
      `flowers17-40: ${candidates.length} pairs proposed by file times at loose; between distinct photos: most keypoint inliers ${most}, ${strong} pairs with ${FRAMING.minInliers} or more (refused on scale, rotation or overlap), ${framed.length} with the same framing; between copies of one photograph: most inliers ${sameMost}`,
    )
    expect(candidates.length).toBeGreaterThan(0)
    expect(framed).toEqual([])
  }, 900_000)
})

describe('a generated library', () => {
  let similar: Group[]
  beforeAll(async () => {
    similar = (await dupes(lib, '--similar')).filter((g) => g.kind === 'similar')
  }, 600_000)

  it('finds the EXIF burst as one similar shot', () => {
    expect(similar.map(names)).toContainEqual([
      'photos/burst-exif/IMG_0.jpg',
      'photos/burst-exif/IMG_1.jpg',
      'photos/burst-exif/IMG_2.jpg',
    ])
  })

  it('finds the burst without EXIF (one folder, a second apart, the same framing)', () => {
    const group = similar.find((g) => g.photos.some((p) => p.includes('burst-files')))
    expect(group && names(group)).toEqual([
      'photos/burst-files/frame_0.jpg',
      'photos/burst-files/frame_1.jpg',
      'photos/burst-files/frame_2.jpg',
    ])
  })

  it('never groups the look-alike dogs of different days, nor the dogs copied together', () => {
    expect(similar.filter((g) => g.photos.some((p) => p.includes(`${path.sep}dogs-`)))).toEqual([])
    expect(similar).toHaveLength(2)
  })

  it('does not find a mirrored copy unless asked with --mirror', async () => {
    const isMirror = (g: Group) => g.photos.some((p) => p.includes('car mirrored'))
    expect((await dupes(lib)).filter(isMirror)).toEqual([])
    const mirrored = (await dupes(lib, '--mirror')).filter(isMirror)
    expect(mirrored.map((g) => [g.kind, names(g)])).toEqual([
      ['near', ['photos/mirror/car mirrored.jpg', 'photos/mirror/car.jpg']],
    ])
  }, 600_000)
})
