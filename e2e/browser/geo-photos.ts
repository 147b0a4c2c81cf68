/**
 * Photos for the timeline, places and folders specs: seed photos re-encoded with an EXIF capture date
 * (DateTimeOriginal, what the engine reads first) and, for most, a GPS position in a known city, laid out
 * in sub-folders so the folder tree has something to show.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp, { type Exif } from 'sharp'
import { SEED } from './fixtures'

export interface City {
  name: string
  country: string
  lat: number
  lon: number
}

export const CITIES: City[] = [
  { name: 'Paris', country: 'France', lat: 48.8566, lon: 2.3522 },
  { name: 'Tokyo', country: 'Japan', lat: 35.6762, lon: 139.6503 },
  { name: 'New York', country: 'United States', lat: 40.7128, lon: -74.006 },
  { name: 'Sydney', country: 'Australia', lat: -33.8688, lon: 151.2093 },
  { name: 'Cape Town', country: 'South Africa', lat: -33.9249, lon: 18.4241 },
]

export interface GeoPhoto {
  file: string
  folder: string
  year: number
  city: City | null
}

/** "48/1 51/1 2376/100": degrees, minutes and seconds as EXIF rationals. */
function dms(value: number): string {
  const v = Math.abs(value)
  const d = Math.floor(v)
  const m = Math.floor((v - d) * 60)
  const s = Math.round(((v - d) * 60 - m) * 60 * 100)
  return `${d}/1 ${m}/1 ${s}/100`
}

/**
 * `perClass` photos of each seed class. Each class is one trip: its own folder, year and city (the last
 * class has no GPS, as photos from a camera without it). Within a trip the photos sit a few hundred
 * metres apart, so each city is one cluster on the world map.
 */
export async function writeGeoPhotos(dir: string, perClass: number): Promise<GeoPhoto[]> {
  const classes = (await fs.readdir(SEED)).sort()
  const out: GeoPhoto[] = []
  for (const [c, cls] of classes.entries()) {
    const year = 2012 + 3 * c // 2012, 2015, 2018, 2021, 2024
    const city = c < classes.length - 1 ? CITIES[c % CITIES.length]! : null
    const folder = path.join(dir, `${year} ${city ? city.name : 'Home'}`)
    await fs.mkdir(folder, { recursive: true })
    const files = (await fs.readdir(path.join(SEED, cls))).filter((f) => /\.jpe?g$/i.test(f)).sort()
    for (const [i, f] of files.slice(0, perClass).entries()) {
      // A trip spans two months: seven photos in May, the rest in June.
      const month = i < 7 ? '05' : '06'
      const day = String(10 + i).padStart(2, '0')
      const exif: Exif = {
        IFD0: { Make: 'Tessera', Model: 'E2E Camera' },
        IFD2: { DateTimeOriginal: `${year}:${month}:${day} 12:00:00` },
      }
      if (city) {
        const lat = city.lat + (i % 3) * 0.002
        const lon = city.lon + Math.floor(i / 3) * 0.002
        exif.IFD3 = {
          GPSLatitudeRef: lat >= 0 ? 'N' : 'S',
          GPSLatitude: dms(lat),
          GPSLongitudeRef: lon >= 0 ? 'E' : 'W',
          GPSLongitude: dms(lon),
        }
      }
      const file = path.join(folder, `${cls}-${f}`)
      await sharp(path.join(SEED, cls, f))
        .jpeg({ quality: 90 })
        .withExif(exif)
        .toFile(file)
      out.push({ file, folder, year, city })
    }
  }
  return out
}
