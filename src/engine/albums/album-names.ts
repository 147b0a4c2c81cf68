import { AlbumError } from './album-error.js'

/** Longest album name, in characters (code points, so an emoji counts once). */
export const MAX_ALBUM_NAME = 200

// C0/C1 controls, line and paragraph separators: they would break the CLI's one-album-a-line listing.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u

/** Checks and normalizes a name the user typed: trimmed, non-empty, at most 200 characters, one line. */
export function cleanAlbumName(raw: unknown): string {
  if (typeof raw !== 'string') throw new AlbumError('An album name must be text.', 'invalid-name')
  const name = raw.normalize('NFC').trim()
  if (name.length === 0) throw new AlbumError('An album name cannot be empty.', 'invalid-name')
  const length = [...name].length
  if (length > MAX_ALBUM_NAME)
    throw new AlbumError(
      `An album name can have at most ${MAX_ALBUM_NAME} characters; "${[...name].slice(0, 40).join('')}…" has ${length}.`,
      'invalid-name',
    )
  if (CONTROL.test(name))
    throw new AlbumError(
      `An album name cannot contain line breaks, tabs or other control characters: ${JSON.stringify(name)}.`,
      'invalid-name',
    )
  return name
}

/** The key that makes names unique: "Holidays", "holidays" and " HOLIDAYS " are one album. */
export function albumNameKey(name: string): string {
  return name.normalize('NFC').trim().toLowerCase()
}
