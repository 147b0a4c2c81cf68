/**
 * Why a photo could not be read or decoded, in two forms: a short `code` the indexer can group and count,
 * and a `reason` sentence that a person can read without knowing anything about image formats.
 */
export type DecodeErrorCode =
  'empty' | 'truncated' | 'corrupt' | 'not-an-image' | 'too-large' | 'unsupported' | 'unreadable'

export class DecodeError extends Error {
  readonly code: DecodeErrorCode
  /** Plain-language sentence for the user, e.g. "The file is empty (0 bytes)." */
  readonly reason: string

  constructor(code: DecodeErrorCode, reason: string, options?: { name?: string; cause?: unknown }) {
    super(options?.name ? `${options.name}: ${reason}` : reason, { cause: options?.cause })
    this.name = 'DecodeError'
    this.code = code
    this.reason = reason
  }
}

export function isDecodeError(error: unknown): error is DecodeError {
  return error instanceof DecodeError
}

/** "900 MP", "12.2 MP", "0.3 MP": megapixels the way cameras print them. */
export function megapixels(pixels: number): string {
  const mp = pixels / 1_000_000
  return `${mp >= 100 ? Math.round(mp) : Number(mp.toFixed(1))} MP`
}

export function tooLargeReason(width: number, height: number, maxPixels: number): string {
  return (
    `The image is too large to open safely: ${width} × ${height} pixels (${megapixels(width * height)}); ` +
    `the limit is ${megapixels(maxPixels)}.`
  )
}

export const TRUNCATED_REASON =
  'The image is incomplete: the file ends before the picture does (it may still be copying, or be damaged).'

export const EMPTY_REASON = 'The file is empty (0 bytes).'
