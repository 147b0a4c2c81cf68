/**
 * Turns what went wrong into a DecodeError a person can read: the file's own structure decides "incomplete"
 * versus "damaged" first, the decoder's message second.
 */
import { DecodeError, TRUNCATED_REASON } from './decode-error.js'
import type { PhotoFormat } from './sniff-format.js'
import { TRUNCATION_MESSAGE, looksTruncated } from './truncation.js'

export const FORMAT_LABEL: Record<PhotoFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  avif: 'AVIF',
  tiff: 'TIFF',
  gif: 'GIF',
  heic: 'HEIC',
}

function extensionOf(name: string | undefined): string | null {
  const m = name ? /\.([^./\\]{1,10})$/.exec(name) : null
  return m ? m[1]!.toLowerCase() : null
}

const IMAGE_EXTENSIONS = new Set('jpg jpeg jpe png webp avif tif tiff gif heic heif hif'.split(' '))

export function notAnImage(looksLike: string, name: string | undefined): DecodeError {
  const ext = extensionOf(name)
  const although = ext && IMAGE_EXTENSIONS.has(ext) ? `, although its name ends in .${ext}` : ''
  return new DecodeError('not-an-image', `This file is not an image${although} (${looksLike}).`, { name })
}

/** Maps a decoder failure to a DecodeError, using the file's structure first and the message second. */
export function decodeFailure(
  format: PhotoFormat,
  file: Uint8Array,
  error: unknown,
  name: string | undefined,
): DecodeError {
  if (error instanceof DecodeError) return error
  const message = error instanceof Error ? error.message : String(error)
  const label = FORMAT_LABEL[format]
  if (/pixel limit/i.test(message)) {
    return new DecodeError('too-large', 'The image is too large to open safely.', { name, cause: error })
  }
  if (looksTruncated(format, file) || TRUNCATION_MESSAGE.test(message)) {
    return new DecodeError('truncated', TRUNCATED_REASON, { name, cause: error })
  }
  if (
    /unsupported (codec|compression|feature|colou?r|bit ?depth)|not supported|no decoding plugin|not a heic image/i.test(
      message,
    )
  ) {
    return new DecodeError(
      'unsupported',
      `This ${label} image uses a variant of the format that Tessera cannot decode.`,
      {
        name,
        cause: error,
      },
    )
  }
  return new DecodeError('corrupt', `The image is damaged: its ${label} data cannot be decoded.`, {
    name,
    cause: error,
  })
}
