/**
 * Names the place of every GPS-tagged photo that has none yet: new photos after an index run, and every
 * photo of a library indexed before places existed, on its next run. No file is read again: the position
 * is in the row. A photo far from any place is marked (country '') so that it is not looked up every run.
 */
import type { PhotoStore } from '../store/photo-store.js'
import { reverseGeocoder, type ReverseGeocoder } from './reverse-geocoder.js'

/** Rows patched per commit. */
const CHUNK = 5000

export async function fillPlaces(
  store: PhotoStore,
  geocoder: () => Promise<ReverseGeocoder> = reverseGeocoder,
): Promise<number> {
  const rows = await store.query(
    `status != 'failed' AND latitude IS NOT NULL AND longitude IS NOT NULL AND placeCountry IS NULL`,
    ['id', 'latitude', 'longitude'],
  )
  if (rows.length === 0) return 0
  const places = await geocoder()
  for (let start = 0; start < rows.length; start += CHUNK) {
    await store.patch(
      rows.slice(start, start + CHUNK).map((r) => {
        const place = places.place(r.latitude!, r.longitude!)
        return { id: r.id, placeCity: place.city, placeCountry: place.country ?? '' }
      }),
    )
  }
  return rows.length
}

/** A stored place column as shown: '' (looked up, nothing near) reads as unknown. */
export function shownPlace(value: string | null | undefined): string | null {
  return value ? value : null
}
