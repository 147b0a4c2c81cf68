import { describe, expect, it } from 'vitest'
import {
  differentCaptures,
  exactNeighbours,
  findDuplicates,
  type DupePhoto,
} from '../../../src/engine/dupes/index.js'
import {
  captureEvidence,
  exifTime,
  folderOf,
  linkShots,
  sameFraming,
  SHOT_RULES,
  shotCandidates,
  similarShotPairs,
  type FrameCheck,
  type FrameEvidence,
} from '../../../src/engine/dupes/similar-shots.js'
import { atCosine, photo, randomHash, randomUnit, rng } from './support.js'

const normal = SHOT_RULES.normal
const canon = { cameraMake: 'Canon', cameraModel: 'EOS 80D' }
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0)

/** The verifier's geometric fit of two frames of a burst (measured: 271–616 inliers, scale 1.00, 0.1°). */
const BURST_FIT: FrameEvidence = { near: false, inliers: 271, scale: 0.997, rotationDeg: 0.18, overlap: 0.94 }
/** Two distinct photos of one folder (flowers17-40 Daisy: at most 9 inliers, no fit). */
const DISTINCT_FIT: FrameEvidence = { near: false, inliers: 9 }
/** The frame-to-frame hypothesis of a flat picture: scale 1, no inliers. */
const FRAME_ONLY: FrameEvidence = { near: false, inliers: 0, scale: 1, rotationDeg: 0, overlap: 1 }

/** A verifier that answers `fit` for the listed pairs (either order) and DISTINCT_FIT otherwise. */
function frames(fits: Array<[string, string]>, fit = BURST_FIT) {
  const asked: string[] = []
  const key = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`)
  const yes = new Set(fits.map(([a, b]) => key(a, b)))
  const check: FrameCheck = (a, b) => {
    asked.push(key(a.id, b.id))
    return Promise.resolve(yes.has(key(a.id, b.id)) ? fit : DISTINCT_FIT)
  }
  return { check, asked }
}

/**
 * Nine different photos of German shepherds: they look alike (cos 0.9 to one another's subject), from one
 * camera, but on nine different days; copied into one folder together (the same file time).
 */
function shepherds(opts: { exif: boolean; seed?: number; name?: string }): DupePhoto[] {
  const random = rng(opts.seed ?? 11)
  const name = opts.name ?? 'dog'
  const dog = randomUnit(random)
  return Array.from({ length: 9 }, (_, i) =>
    photo(`${name}${i}`, {
      path: `/photos/${name}s/${name}${i}.jpg`,
      phash: randomHash(random),
      dhash: randomHash(random),
      embedding: atCosine(dog, 0.95, random),
      mtimeMs: T0,
      ...(opts.exif
        ? { ...canon, takenAt: `2024-05-${String(i + 1).padStart(2, '0')}T10:00:00`, dateSource: 'exif' }
        : {}),
    }),
  )
}

/** Three frames of a burst: near-identical embeddings, one folder, a second apart (EXIF or file times). */
function burst(opts: { exif: boolean; folder?: string }): DupePhoto[] {
  const random = rng(12)
  const scene = randomUnit(random)
  const folder = opts.folder ?? '/photos/2024/party'
  return [0, 1, 2].map((s) =>
    photo(`shot${s}`, {
      path: `${folder}/IMG_${100 + s}.jpg`,
      phash: randomHash(random),
      dhash: randomHash(random),
      embedding: atCosine(scene, 0.97, random),
      mtimeMs: T0 + s * 1000,
      width: 4000 - s,
      height: 3000,
      ...(opts.exif ? { ...canon, takenAt: `2024-05-01T10:00:0${s}`, dateSource: 'exif' } : {}),
    }),
  )
}

describe('capture evidence', () => {
  const a = photo('a', { ...canon, takenAt: '2024-05-01T10:00:00', path: '/x/a.jpg' })
  it('EXIF: the same camera within the burst window', () => {
    const b = photo('b', { ...canon, takenAt: '2024-05-01T10:00:20', path: '/y/b.jpg' })
    expect(captureEvidence(a, b, normal)).toBe('exif')
    // 40 s apart: past the normal window (30 s), within the loose one (120 s).
    const later = { ...b, takenAt: '2024-05-01T10:00:40' }
    expect(captureEvidence(a, later, normal)).toBeNull()
    expect(captureEvidence(a, later, SHOT_RULES.loose)).toBe('exif')
  })

  it('EXIF: another camera, another day or an unknown camera is not one moment', () => {
    expect(captureEvidence(a, { ...a, id: 'b', cameraModel: 'EOS R5' }, normal)).toBeNull()
    expect(captureEvidence(a, { ...a, id: 'b', takenAt: '2024-05-02T10:00:00' }, normal)).toBeNull()
    const noCamera = { ...a, cameraMake: null, cameraModel: null }
    expect(captureEvidence(noCamera, { ...noCamera, id: 'b' }, normal)).toBeNull()
  })

  it('EXIF dates only: a date from the file name or the file time is not a capture time', () => {
    expect(exifTime({ takenAt: '2024-05-01T10:00:00', dateSource: 'exif' })).toBe(T0)
    expect(exifTime({ takenAt: '2024-05-01T10:00:00', dateSource: 'exif-other' })).toBe(T0)
    expect(exifTime({ takenAt: '2024-05-01T10:00:00', dateSource: null })).toBe(T0) // older rows: EXIF
    expect(exifTime({ takenAt: '2024-05-01T10:00:00', dateSource: 'filename' })).toBeNaN()
    expect(exifTime({ takenAt: '2024-05-01T10:00:00', dateSource: 'mtime' })).toBeNaN()
  })

  it('files: without EXIF dates, the same folder and file times within seconds', () => {
    const x = photo('x', { path: '/photos/a/1.jpg', mtimeMs: T0 })
    const y = photo('y', { path: '/photos/a/2.jpg', mtimeMs: T0 + 2500 })
    expect(captureEvidence(x, y, normal)).toBe('files')
    expect(captureEvidence(x, y, SHOT_RULES.strict)).toBeNull() // 2.5 s > 2 s
    expect(captureEvidence(x, { ...y, path: '/photos/b/2.jpg' }, normal)).toBeNull()
    expect(captureEvidence(x, { ...y, mtimeMs: T0 + 10_000 }, normal)).toBeNull()
    // A date from the name is no EXIF date: the files decide.
    const named = { ...y, takenAt: '2024-05-01T10:00:00', dateSource: 'filename' }
    expect(captureEvidence(x, named, normal)).toBe('files')
    // Both with EXIF dates: the EXIF rule alone decides (here: no camera).
    const exif = { takenAt: '2024-05-01T10:00:00', dateSource: 'exif' }
    expect(captureEvidence({ ...x, ...exif }, { ...y, ...exif }, normal)).toBeNull()
  })

  it('two copies are never two captures by their file times (only EXIF dates are capture times)', () => {
    const copy = (takenAt: string, dateSource: string | null) => ({
      takenAt,
      dateSource,
      cameraMake: null,
      cameraModel: null,
    })
    // Copied a millisecond apart: dates from the files' times differ, and say nothing of the capture.
    expect(
      differentCaptures(copy('2026-12-06T03:29:15.381', 'mtime'), copy('2026-12-06T03:29:15.382', 'mtime')),
    ).toBe(false)
    expect(
      differentCaptures(copy('2024-05-01T10:00:00', 'filename'), copy('2024-05-02T10:00:00', 'exif')),
    ).toBe(false)
    expect(differentCaptures(copy('2024-05-01T10:00:00', 'exif'), copy('2024-05-01T10:00:01', 'exif'))).toBe(
      true,
    )
  })

  it('folders by either separator', () => {
    expect(folderOf('/a/b/c.jpg')).toBe('/a/b')
    expect(folderOf('C:\\Photos\\c.jpg')).toBe('C:\\Photos')
    expect(folderOf('c.jpg')).toBe('')
  })
})

describe('near-identical framing', () => {
  it('holds for a burst fit and fails for distinct photos or the frame hypothesis alone', () => {
    expect(sameFraming(BURST_FIT)).toBe(true)
    expect(sameFraming(DISTINCT_FIT)).toBe(false)
    expect(sameFraming(FRAME_ONLY)).toBe(false)
    expect(sameFraming({ near: true })).toBe(false) // a verdict without its fit proves no framing
  })

  it('fails for another scale, a rotation or a small overlap', () => {
    expect(sameFraming({ ...BURST_FIT, scale: 1.5 })).toBe(false)
    expect(sameFraming({ ...BURST_FIT, scale: 0.6 })).toBe(false)
    expect(sameFraming({ ...BURST_FIT, rotationDeg: -10 })).toBe(false)
    expect(sameFraming({ ...BURST_FIT, overlap: 0.5 })).toBe(false)
    expect(sameFraming({ ...BURST_FIT, inliers: 30 })).toBe(false)
  })
})

describe('similar-shot pairs', () => {
  it('finds the frames of an EXIF burst without asking the pixels', async () => {
    const { check, asked } = frames([])
    const pairs = await similarShotPairs(burst({ exif: true, folder: '/a' }), normal, { frames: check })
    expect(pairs.map((p) => [p.i, p.j, p.evidence])).toEqual([
      [0, 1, 'exif'],
      [0, 2, 'exif'],
      [1, 2, 'exif'],
    ])
    // Its files are in one folder a second apart too, but EXIF dates on both decide.
    expect(asked).toEqual([])
  })

  it('asks the pixels about an EXIF burst whose embeddings disagree (a subject walked in)', async () => {
    const random = rng(14)
    const frames3 = burst({ exif: true })
    const photos = frames3.map((p, i) =>
      i === 2 ? { ...p, embedding: atCosine(frames3[0]!.embedding!, 0.3, random) } : p,
    )
    const refused = frames([])
    expect(
      (await similarShotPairs(photos, normal, { frames: refused.check })).map((p) => [p.i, p.j]),
    ).toEqual([[0, 1]])
    expect(refused.asked.sort()).toEqual(['shot0|shot2', 'shot1|shot2'])
    const proven = frames([
      ['shot0', 'shot2'],
      ['shot1', 'shot2'],
    ])
    const pairs = await similarShotPairs(photos, normal, { frames: proven.check })
    expect(pairs.map((p) => [p.i, p.j, p.evidence]).sort()).toEqual([
      [0, 1, 'exif'],
      [0, 2, 'exif'],
      [1, 2, 'exif'],
    ])
    // Without the pixels, the embeddings alone decide.
    expect((await similarShotPairs(photos, normal)).map((p) => [p.i, p.j])).toEqual([[0, 1]])
  })

  it('finds the frames of a burst without EXIF when the pixels prove the framing, never without them', async () => {
    const photos = burst({ exif: false })
    const { check, asked } = frames([
      ['shot0', 'shot1'],
      ['shot0', 'shot2'],
      ['shot1', 'shot2'],
    ])
    const pairs = await similarShotPairs(photos, normal, { frames: check })
    expect(pairs.map((p) => [p.i, p.j, p.evidence])).toEqual([
      [0, 1, 'files'],
      [0, 2, 'files'],
      [1, 2, 'files'],
    ])
    expect(asked).toHaveLength(3)
    expect(await similarShotPairs(photos, normal)).toEqual([])
    // Files 10 s apart are not a burst: not even asked.
    const slow = photos.map((p, i) => ({ ...p, mtimeMs: T0 + i * 10_000 }))
    const again = frames([['shot0', 'shot1']])
    expect(await similarShotPairs(slow, normal, { frames: again.check })).toEqual([])
    expect(again.asked).toEqual([])
  })

  it('nine German shepherds on nine days are not a burst, with EXIF or copied together without it', async () => {
    const withExif = shepherds({ exif: true })
    const { check, asked } = frames([])
    expect(shotCandidates(withExif, normal)).toEqual([])
    expect(await similarShotPairs(withExif, normal, { frames: check })).toEqual([])
    expect(asked).toEqual([])
    // Without EXIF, copied into one folder at once: the pixels are asked and find no common framing.
    const copied = shepherds({ exif: false })
    const again = frames([])
    expect(await similarShotPairs(copied, normal, { frames: again.check })).toEqual([])
    expect(again.asked).toHaveLength(36)
  })

  it('skips pairs the caller already holds together', async () => {
    const pairs = await similarShotPairs(burst({ exif: true }), normal, {
      skip: (i, j) => i === 0 && j === 1,
    })
    expect(pairs.map((p) => [p.i, p.j])).toEqual([
      [0, 2],
      [1, 2],
    ])
  })
})

describe('linkShots', () => {
  it('links by complete linkage, strongest pairs first', () => {
    // 1-2-3 all linked; 3-4 linked but 4 not with 1 or 2; 7-8 alone.
    const groups = linkShots([
      { a: 1, b: 2, cos: 0.9 },
      { a: 2, b: 3, cos: 0.9 },
      { a: 3, b: 1, cos: 0.9 },
      { a: 3, b: 4, cos: 0.99 },
      { a: 8, b: 7, cos: 0.8 },
    ])
    // 3-4 is strongest, so {3,4} forms first; 1 and 2 then cannot join it (no pair with 4).
    expect(groups).toEqual([
      [1, 2],
      [3, 4],
      [7, 8],
    ])
  })

  it('ignores pairs within one node', () => {
    expect(linkShots([{ a: 5, b: 5, cos: 1 }])).toEqual([])
  })
})

describe('findDuplicates --similar', () => {
  const run = (photos: DupePhoto[], verify?: FrameCheck) =>
    findDuplicates(photos, {
      level: 'normal',
      similar: true,
      neighbours: exactNeighbours(photos),
      verify: verify && (async (a, b) => ({ near: false, ...(await verify(a, b)) })),
    })

  it('groups a burst and never the look-alikes', async () => {
    const photos = [
      ...burst({ exif: true }),
      ...shepherds({ exif: true }),
      ...shepherds({ exif: false, seed: 13, name: 'pup' }),
    ]
    const groups = await run(photos, frames([]).check)
    expect(groups.map((g) => [g.kind, [...g.photos].sort()])).toEqual([
      ['similar', ['shot0', 'shot1', 'shot2']],
    ])
    expect(groups[0]!.keep).toBe('shot0') // the highest resolution
  })

  it('groups a burst without EXIF only with the verifier proving its framing', async () => {
    const photos = burst({ exif: false })
    expect(await run(photos)).toEqual([])
    const proven = frames([
      ['shot0', 'shot1'],
      ['shot0', 'shot2'],
      ['shot1', 'shot2'],
    ])
    const groups = await run(photos, proven.check)
    expect(groups.map((g) => [g.kind, [...g.photos].sort()])).toEqual([
      ['similar', ['shot0', 'shot1', 'shot2']],
    ])
  })
})
