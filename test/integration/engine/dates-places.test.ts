/**
 * Issue 13, acceptance 1 and 2, end to end through the CLI: every photo gets a date with its source (EXIF,
 * then other EXIF/XMP dates, then the file name, then the file time), GPS positions are placed in a city
 * and country offline, `tessera photos --json` shows both, and a library indexed before all this gets them
 * on its next run without decoding anything again.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp, { type Exif } from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/engine/engine.js'
import type { PhotoListing } from '../../../src/engine/services/photo-listing.js'
import { MIRROR, runCli, seedPhotos, tempDir } from '../support.js'

/** What `tessera photos --json` prints for a photo. */
type Listed = PhotoListing

/** File times set on every file, far from any date in the names: a name's date cannot be the file time. */
const FILE_TIME = new Date('2011-11-11T11:11:11Z')

/** A file name in each pattern → the date it holds (wall-clock, as the name says it). */
const NAMED: Array<[string, string]> = [
  ['IMG_20190513_101010.jpg', '2019-05-13T10:10:10'],
  ['PXL_20190514_101010123.jpg', '2019-05-14T10:10:10.123Z'], // Pixel names are UTC
  ['IMG-20200102-WA0001.jpg', '2020-01-02T00:00:00'],
  ['WhatsApp Image 2020-01-03 at 10.10.10.jpeg', '2020-01-03T10:10:10'],
  ['2018-08-15 14.22.10.jpg', '2018-08-15T14:22:10'],
  ['Screenshot_20200104-101010.png', '2020-01-04T10:10:10'],
  ['Screenshot 2020-01-05 at 10.10.10.png', '2020-01-05T10:10:10'],
  ['Screen Shot 2020-01-06 at 1.10.10 PM.png', '2020-01-06T13:10:10'],
  ['signal-2020-01-07-101010.jpg', '2020-01-07T10:10:10'],
  ['photo_2020-01-08_10-10-10.jpg', '2020-01-08T10:10:10'],
  ['VID_20190515_101010.jpg', '2019-05-15T10:10:10'],
  ['DSC_20190516_101010.jpg', '2019-05-16T10:10:10'],
  ['20190517_101010.jpg', '2019-05-17T10:10:10'],
]
const PLAIN = 'holiday at the lake.jpg'
const PLAIN_TIME = new Date('2015-03-04T05:06:07Z')
/** A camera JPEG whose name also holds a (different) date: EXIF wins. */
const CAMERA = 'IMG_20010101_000000.jpg'

function dms(value: number): string {
  const v = Math.abs(value)
  const d = Math.floor(v)
  const m = Math.floor((v - d) * 60)
  const s = Math.round(((v - d) * 60 - m) * 60 * 100)
  return `${d}/1 ${m}/1 ${s}/100`
}

function gpsExif(lat: number, lon: number): Exif {
  return {
    IFD0: { Make: 'Phone', Model: 'Traveller 1' },
    IFD3: {
      GPSLatitudeRef: lat < 0 ? 'S' : 'N',
      GPSLatitude: dms(lat),
      GPSLongitudeRef: lon < 0 ? 'W' : 'E',
      GPSLongitude: dms(lon),
    },
  }
}

/** Landmarks of five cities (not their centres) → the city and country expected. */
const CITIES: Array<[string, number, number, string, string]> = [
  ['eiffel.jpg', 48.8584, 2.2945, 'Paris', 'France'],
  ['shibuya.jpg', 35.6595, 139.7005, 'Tokyo', 'Japan'],
  ['times-square.jpg', 40.758, -73.9855, 'New York City', 'United States'],
  ['opera-house.jpg', -33.8568, 151.2153, 'Sydney', 'Australia'],
  ['corcovado.jpg', -22.9519, -43.2105, 'Rio de Janeiro', 'Brazil'],
]

let work: string
let photos: string
let library: string
const cli = (...args: string[]) => runCli([...args, '--library', library])

async function listed(...filters: string[]): Promise<Listed[]> {
  const res = await cli('photos', '--json', ...filters)
  expect(res.code, res.stderr).toBe(0)
  return JSON.parse(res.stdout) as Listed[]
}

beforeAll(async () => {
  work = await tempDir('dates-places')
  photos = path.join(work, 'photos')
  library = path.join(work, 'library')
  await fs.mkdir(photos, { recursive: true })
  // A different seed picture for every file: identical bytes would be recognised as copies.
  const seeds = await seedPhotos(5)
  let next = 0
  const picture = () => sharp(seeds[next++]!).resize(160)
  for (const [name] of NAMED) {
    const file = path.join(photos, name)
    await (name.endsWith('.png') ? picture().png() : picture().jpeg()).toFile(file)
    await fs.utimes(file, FILE_TIME, FILE_TIME)
  }
  await picture().jpeg().toFile(path.join(photos, PLAIN))
  await fs.utimes(path.join(photos, PLAIN), PLAIN_TIME, PLAIN_TIME)
  await picture()
    .jpeg()
    .withExif({
      IFD0: { Make: 'Canon', Model: 'Canon EOS 80D' },
      IFD2: { DateTimeOriginal: '2017:07:07 07:07:07', OffsetTimeOriginal: '+02:00' },
    })
    .toFile(path.join(photos, CAMERA))
  await fs.utimes(path.join(photos, CAMERA), FILE_TIME, FILE_TIME)
  for (const [name, lat, lon] of CITIES) {
    await picture().jpeg().withExif(gpsExif(lat, lon)).toFile(path.join(photos, name))
  }
  const res = await cli('index', photos, '--json')
  expect(res.code, res.stderr).toBe(0)
  expect(JSON.parse(res.stdout)).toMatchObject({ failed: [] })
})

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true })
})

describe('a date for every photo (acceptance 1)', () => {
  it('takes the date in the file name, not the file time, for every pattern', async () => {
    const byName = new Map((await listed()).map((p) => [path.basename(p.path), p]))
    for (const [name, expected] of NAMED) {
      expect(byName.get(name), name).toMatchObject({ takenAt: expected, dateSource: 'filename' })
    }
  })

  it('falls back to the file time for a plain name, and takes EXIF over a date in the name', async () => {
    const byName = new Map((await listed()).map((p) => [path.basename(p.path), p]))
    const plain = byName.get(PLAIN)!
    expect(plain.dateSource).toBe('mtime')
    expect(Date.parse(plain.takenAt!)).toBe(PLAIN_TIME.getTime())
    expect(byName.get(CAMERA)).toMatchObject({
      takenAt: '2017-07-07T07:07:07+02:00',
      dateSource: 'exif',
      camera: 'Canon Canon EOS 80D',
    })
  })

  it('lists every photo oldest first, with the date filters of search', async () => {
    const all = await listed()
    expect(all).toHaveLength(NAMED.length + 2 + CITIES.length)
    // Labelled after the index run by the built-in model: every photo has its tags (maybe none).
    expect(all.every((p) => Array.isArray(p.tags))).toBe(true)
    const times = all.map((p) => Date.parse(p.takenAt!))
    expect(times.every(Number.isFinite)).toBe(true)
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    const in2020 = await listed('--from', '2020-01-01', '--to', '2020-12-31')
    expect(in2020.map((p) => path.basename(p.path)).sort()).toEqual(
      NAMED.filter(([, d]) => d.startsWith('2020'))
        .map(([n]) => n)
        .sort(),
    )
  })
})

describe('places (acceptance 2)', () => {
  it('places photos of five cities in the right city and country, offline', async () => {
    const byName = new Map((await listed()).map((p) => [path.basename(p.path), p]))
    for (const [name, , , city, country] of CITIES) {
      expect(byName.get(name)?.place, name).toEqual({ city, country })
    }
    expect(byName.get(PLAIN)?.place).toBeNull()
  })

  it('finds the photos of a city or country by name, accents and case aside', async () => {
    expect((await listed('--place', 'paris')).map((p) => path.basename(p.path))).toEqual(['eiffel.jpg'])
    expect((await listed('--place', 'Japan')).map((p) => path.basename(p.path))).toEqual(['shibuya.jpg'])
    expect((await listed('--place', 'rio de janeiro, brazil')).map((p) => path.basename(p.path))).toEqual([
      'corcovado.jpg',
    ])
  })

  it('finds them by searching the city name (tessera search Paris)', async () => {
    for (const [name, , , city, country] of CITIES) {
      const res = await cli('search', city, '--json')
      expect(res.code, res.stderr).toBe(0)
      const { hits } = JSON.parse(res.stdout) as { hits: Array<{ path: string; label: string | null }> }
      expect(hits.map((h) => [path.basename(h.path), h.label])).toEqual([[name, `${city}, ${country}`]])
    }
    const lower = JSON.parse((await cli('search', 'sydney', '--json')).stdout) as {
      hits: Array<{ path: string }>
    }
    expect(lower.hits.map((h) => path.basename(h.path))).toEqual(['opera-house.jpg'])
  })
})

describe('a library indexed before dates had sources', () => {
  it('gets dates and places on its next run, without decoding again', async () => {
    // Make the library look like one indexed before: no date sources, no places, no name or file dates.
    const engine = await Engine.open({ libraryDir: library, modelMirror: MIRROR })
    try {
      const rows = await engine.store.query(`status = 'ok'`, ['id', 'takenAt', 'dateSource'])
      await engine.store.patch(
        rows.map((r) => ({
          id: r.id,
          takenAt: r.dateSource === 'exif' ? r.takenAt : null,
          dateSource: null,
          placeCity: null,
          placeCountry: null,
        })),
      )
    } finally {
      await engine.close()
    }
    const before = await listed()
    expect(before.every((p) => p.dateSource === null && p.place === null)).toBe(true)

    const res = await cli('index', photos, '--json')
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ decoded: 0, indexed: 0 })
    const byName = new Map((await listed()).map((p) => [path.basename(p.path), p]))
    for (const [name, expected] of NAMED) expect(byName.get(name), name).toMatchObject({ takenAt: expected })
    expect(byName.get(PLAIN)?.dateSource).toBe('mtime')
    expect(byName.get(CAMERA)).toMatchObject({ takenAt: '2017-07-07T07:07:07+02:00', dateSource: 'exif' })
    expect(byName.get('eiffel.jpg')?.place).toEqual({ city: 'Paris', country: 'France' })
  })
})
