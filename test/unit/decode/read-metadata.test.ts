import fs from 'node:fs/promises'
import path from 'node:path'
import sharp, { type Exif } from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { exifDateTime, readMetadata, xmpDateTime } from '../../../src/engine/decode/read-metadata.js'
import { SEED_DIR } from '../../fixtures/bad-inputs.js'

const EMPTY = {
  takenAt: null,
  dateSource: null,
  cameraMake: null,
  cameraModel: null,
  gps: null,
  orientation: 1,
}

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
    expect(meta.dateSource).toBe('exif')
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
    expect(meta.dateSource).toBe('exif-other')
    expect(meta.gps).toBeNull()
  })

  it('falls back to ModifyDate (with OffsetTime) when EXIF holds no capture date', async () => {
    const jpeg = await sharp(photo)
      .jpeg()
      .withExif({ IFD0: { DateTime: '2018:01:02 03:04:05' }, IFD2: { OffsetTime: '-03:00' } })
      .toBuffer()
    const meta = await readMetadata(jpeg)
    expect(meta).toMatchObject({ takenAt: '2018-01-02T03:04:05-03:00', dateSource: 'exif-other' })
  })

  const xmp = (body: string) =>
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" ` +
    `xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" ${body}` +
    `</rdf:Description></rdf:RDF></x:xmpmeta>`

  it('reads XMP capture dates (attribute or element form) from JPEG, PNG and WebP without EXIF dates', async () => {
    const attribute = xmp(
      `xmp:ModifyDate="2023-01-01T00:00:00" xmp:CreateDate="2017-06-05T04:03:02.5+02:00">`,
    )
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const file = await sharp(photo).toFormat(format).withXmp(attribute).toBuffer()
      const meta = await readMetadata(file)
      expect(meta.takenAt, format).toBe('2017-06-05T04:03:02.500+02:00')
      expect(meta.dateSource, format).toBe('exif-other')
    }
    const element = xmp(`><photoshop:DateCreated>2016-02-03</photoshop:DateCreated>`)
    const jpeg = await sharp(photo).jpeg().withXmp(element).toBuffer()
    expect(await readMetadata(jpeg)).toMatchObject({
      takenAt: '2016-02-03T00:00:00',
      dateSource: 'exif-other',
    })
  })

  it('prefers DateTimeOriginal over XMP, and XMP over ModifyDate', async () => {
    const packet = xmp(`exif:DateTimeOriginal="2015-05-05T05:05:05">`)
    const both = await sharp(photo)
      .jpeg()
      .withExif({ IFD2: { DateTimeOriginal: '2014:04:04 04:04:04' } })
      .withXmp(packet)
      .toBuffer()
    expect(await readMetadata(both)).toMatchObject({ takenAt: '2014-04-04T04:04:04', dateSource: 'exif' })
    const modified = await sharp(photo)
      .jpeg()
      .withExif({ IFD0: { DateTime: '2020:01:01 00:00:00' } })
      .withXmp(packet)
      .toBuffer()
    expect(await readMetadata(modified)).toMatchObject({
      takenAt: '2015-05-05T05:05:05',
      dateSource: 'exif-other',
    })
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

describe('xmpDateTime', () => {
  it('converts XMP dates and rejects partial or impossible ones', () => {
    expect(xmpDateTime('2020-01-02T10:10:10Z')).toBe('2020-01-02T10:10:10+00:00')
    expect(xmpDateTime('2020-01-02T10:10')).toBe('2020-01-02T10:10:00')
    expect(xmpDateTime('2020-01-02')).toBe('2020-01-02T00:00:00')
    expect(xmpDateTime('2020-01')).toBeNull()
    expect(xmpDateTime('2020')).toBeNull()
    expect(xmpDateTime('2020-02-30T10:00:00')).toBeNull()
    expect(xmpDateTime('yesterday')).toBeNull()
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
