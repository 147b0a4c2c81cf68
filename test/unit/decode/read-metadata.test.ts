import fs from 'node:fs/promises'
import path from 'node:path'
import sharp, { type Exif } from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { exifDateTime, readMetadata } from '../../../src/engine/decode/read-metadata.js'
import { SEED_DIR } from '../../fixtures/bad-inputs.js'

const EMPTY = { takenAt: null, cameraMake: null, cameraModel: null, gps: null, orientation: 1 }

const FULL_EXIF: Exif = {
  IFD0: { Make: '  Canon  ', Model: 'Canon EOS 5D Mark IV ' },
  IFD2: { DateTimeOriginal: '2021:03:04 05:06:07', OffsetTimeOriginal: '+11:00', SubSecTimeOriginal: '45' },
  IFD3: {
    GPSLatitudeRef: 'S',
    GPSLatitude: '33/1 51/1 2396/100',
    GPSLongitudeRef: 'W',
    GPSLongitude: '151/1 12/1 3000/100',
    GPSAltitudeRef: '0',
    GPSAltitude: '1234/10',
  },
}

describe('readMetadata', () => {
  let photo: Buffer
  beforeAll(async () => {
    photo = await fs.readFile(path.join(SEED_DIR, 'Food', 'f1.jpeg'))
  })

  it('reads date, camera and GPS written by sharp', async () => {
    const jpeg = await sharp(photo).jpeg().withExif(FULL_EXIF).toBuffer()
    const meta = await readMetadata(jpeg)
    expect(meta.takenAt).toBe('2021-03-04T05:06:07.450+11:00')
    expect(meta.cameraMake).toBe('Canon')
    expect(meta.cameraModel).toBe('Canon EOS 5D Mark IV')
    expect(meta.orientation).toBe(1)
    expect(meta.gps).not.toBeNull()
    expect(meta.gps!.latitude).toBeCloseTo(-(33 + 51 / 60 + 23.96 / 3600), 6)
    expect(meta.gps!.longitude).toBeCloseTo(-(151 + 12 / 60 + 30 / 3600), 6)
    expect(meta.gps!.altitude).toBeCloseTo(123.4, 6)
  })

  it('reads the same EXIF from PNG, WebP and AVIF', async () => {
    for (const format of ['png', 'webp', 'avif'] as const) {
      const file = await sharp(photo).toFormat(format).withExif(FULL_EXIF).toBuffer()
      const meta = await readMetadata(file)
      expect(meta.takenAt, format).toBe('2021-03-04T05:06:07.450+11:00')
      expect(meta.cameraModel, format).toBe('Canon EOS 5D Mark IV')
      expect(meta.gps?.latitude, format).toBeCloseTo(-33.85666, 4)
    }
  })

  it('falls back to CreateDate (DateTimeDigitized) when DateTimeOriginal is missing', async () => {
    const jpeg = await sharp(photo)
      .jpeg()
      .withExif({ IFD0: { Make: 'X' }, IFD2: { DateTimeDigitized: '2019:12:31 23:59:58' } })
      .toBuffer()
    const meta = await readMetadata(jpeg)
    expect(meta.takenAt).toBe('2019-12-31T23:59:58')
    expect(meta.gps).toBeNull()
  })

  it('treats 0,0 positions and placeholder dates as absent', async () => {
    const jpeg = await sharp(photo)
      .jpeg()
      .withExif({
        IFD0: { Model: '   ' },
        IFD2: { DateTimeOriginal: '0000:00:00 00:00:00' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '0/1 0/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '0/1 0/1 0/1',
        },
      })
      .toBuffer()
    expect(await readMetadata(jpeg)).toEqual(EMPTY)
  })

  it('reads the orientation', async () => {
    const jpeg = await sharp(photo).jpeg().withMetadata({ orientation: 8 }).toBuffer()
    expect((await readMetadata(jpeg)).orientation).toBe(8)
  })

  it('returns nulls, never throws, for no EXIF, broken EXIF or no image at all', async () => {
    expect(await readMetadata(photo)).toEqual(EMPTY) // the seed photos carry no EXIF
    expect(await readMetadata(Buffer.alloc(0))).toEqual(EMPTY)
    expect(await readMetadata(Buffer.from('hello'))).toEqual(EMPTY)
    // An APP1 "Exif" segment whose TIFF structure is garbage.
    const garbage = Buffer.concat([
      Buffer.from('Exif\0\0MM\0*\xff\xff\xff\xf0', 'latin1'),
      Buffer.alloc(40, 0xee),
    ])
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0, garbage.length + 2]), garbage])
    const broken = Buffer.concat([photo.subarray(0, 2), app1, photo.subarray(2)])
    expect(await readMetadata(broken)).toEqual(EMPTY)
    // A JPEG cut right inside its EXIF segment.
    const withExif = await sharp(photo).jpeg().withExif(FULL_EXIF).toBuffer()
    expect((await readMetadata(withExif.subarray(0, 60))).takenAt).toBeNull()
  })
})

describe('exifDateTime', () => {
  it('converts EXIF date-times to ISO 8601 and rejects impossible ones', () => {
    expect(exifDateTime('2024:07:14 18:30:05')).toBe('2024-07-14T18:30:05')
    expect(exifDateTime('2024:07:14 18:30:05\0')).toBe('2024-07-14T18:30:05')
    expect(exifDateTime('2024:07:14 18:30:05', '7', '-05:00')).toBe('2024-07-14T18:30:05.700-05:00')
    expect(exifDateTime('2024:02:30 10:00:00')).toBeNull()
    expect(exifDateTime('    :  :     :  :  ')).toBeNull()
    expect(exifDateTime(undefined)).toBeNull()
    expect(exifDateTime(42)).toBeNull()
  })
})
