/** `tessera photos`: the engine's listing (services/photo-listing.ts) as text, a line a photo. */
import type { PhotoListing } from '../engine/services/photo-listing.js'

/** One line a photo: date, its source, place, path. */
export function photosText(photos: readonly PhotoListing[]): string {
  if (photos.length === 0) return 'No matching photos.'
  return photos
    .map((p) => {
      const when = p.takenAt ? p.takenAt.replace('T', ' ').slice(0, 19) : 'no date            '
      const place = p.place ? [p.place.city, p.place.country].filter(Boolean).join(', ') : ''
      return [when, (p.dateSource ?? '').padEnd(10), p.path, place].filter(Boolean).join('  ')
    })
    .join('\n')
}
