/**
 * The one decode: the picture straight to a small "intermediate", RGB, orientation applied, just big enough
 * for both the 320 px thumbnail and the model input. For sharp's formats the full-size picture is never
 * materialised (JPEG and WebP shrink on load: the decoder itself skips the detail). HEIC is decoded in full by
 * libheif in a worker, then shrunk by sharp.
 */
import sharp, { type Metadata } from 'sharp'
import { DecodeError, TRUNCATED_REASON, tooLargeReason } from './decode-error.js'
import { FORMAT_LABEL, decodeFailure } from './decode-failure.js'
import { decodeHeicInWorker } from './heic-worker-pool.js'
import { jpegFrame } from './jpeg-markers.js'
import type { PhotoFormat } from './sniff-format.js'
import { looksTruncated } from './truncation.js'

export const THUMBNAIL_LONG_SIDE = 320
// Catmull-Rom for the one big downscale (after shrink-on-load): as sharp as Lanczos-3 to the eye at these
// ratios, and slightly cheaper on the hot path.
const DOWNSCALE_KERNEL = 'cubic' as const
// Transparent areas are shown on white, in the thumbnail and for the model alike.
const BACKGROUND = { r: 255, g: 255, b: 255 }

/** The decoded picture at intermediate size: RGB, interleaved, orientation applied. */
export interface Intermediate {
  rgb: Uint8Array
  width: number
  height: number
  /** Size of the whole picture, orientation applied. */
  fullWidth: number
  fullHeight: number
}

/** Scale so that the short side covers the model input and the long side the thumbnail (never above 1). */
function intermediateSize(
  width: number,
  height: number,
  inputSize: number,
): { width: number; height: number } {
  const scale = Math.min(
    1,
    Math.max(inputSize / Math.min(width, height), THUMBNAIL_LONG_SIDE / Math.max(width, height)),
  )
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/** What the decode needs to know before it starts. */
interface Header {
  /** Size after EXIF orientation. */
  fullWidth: number
  fullHeight: number
  /** Not 8-bit sRGB/YCbCr: ask sharp for sRGB, 8 bits (grey, CMYK, 16-bit…). */
  needsConversion: boolean
  hasAlpha: boolean
  /** From sharp itself (exact) or from our own reading of the JPEG header and EXIF (see decodeWithSharp). */
  exact: boolean
}

/** sharp's reading of the header: no pixels are decoded, so a decompression bomb costs nothing here. */
async function sharpHeader(file: Buffer, format: PhotoFormat, name: string | undefined): Promise<Header> {
  let meta: Metadata
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata()
  } catch (error) {
    throw decodeFailure(format, file, error, name)
  }
  const fullWidth = meta.autoOrient?.width ?? meta.width
  const fullHeight = meta.autoOrient?.height ?? meta.height
  if (!fullWidth || !fullHeight) {
    throw new DecodeError(
      'corrupt',
      `The image is damaged: its ${FORMAT_LABEL[format]} header gives no size.`,
      { name },
    )
  }
  const needsConversion = meta.space !== 'srgb' || meta.depth !== 'uchar' || meta.channels < 3
  return { fullWidth, fullHeight, needsConversion, hasAlpha: meta.hasAlpha, exact: true }
}

/**
 * The JPEG header read in JS (microseconds), saving sharp.metadata()'s round trip through the thread pool on
 * the hot path. The orientation is exifr's; should libvips read the EXIF differently, the decode still keeps
 * the aspect ratio (fit 'outside') and the size is corrected from what it returns.
 */
function jpegQuickHeader(file: Buffer, orientation: number): Header | null {
  const frame = jpegFrame(file)
  if (!frame) return null
  const swap = orientation >= 5
  return {
    fullWidth: swap ? frame.height : frame.width,
    fullHeight: swap ? frame.width : frame.height,
    needsConversion: frame.components !== 3 || frame.precision !== 8,
    hasAlpha: false,
    exact: false,
  }
}

/** JPEG, PNG, WebP, AVIF, TIFF and GIF, by sharp, in one pass with shrink-on-load. */
export async function decodeWithSharp(
  file: Buffer,
  format: PhotoFormat,
  inputSize: number,
  maxPixels: number,
  name: string | undefined,
  orientation: number,
): Promise<Intermediate> {
  const header =
    (format === 'jpeg' ? jpegQuickHeader(file, orientation) : null) ?? (await sharpHeader(file, format, name))
  let { fullWidth, fullHeight } = header
  if (fullWidth * fullHeight > maxPixels) {
    throw new DecodeError('too-large', tooLargeReason(fullWidth, fullHeight, maxPixels), { name })
  }
  const size = intermediateSize(fullWidth, fullHeight, inputSize)
  const resized = size.width !== fullWidth || size.height !== fullHeight
  try {
    let pipeline = sharp(file, { autoOrient: true, limitInputPixels: maxPixels, failOn: 'warning' })
    if (resized) {
      pipeline = pipeline.resize(size.width, size.height, {
        fit: header.exact ? 'fill' : 'outside',
        kernel: DOWNSCALE_KERNEL,
      })
    }
    if (header.hasAlpha) pipeline = pipeline.flatten({ background: BACKGROUND })
    if (header.needsConversion) pipeline = pipeline.toColourspace('srgb').raw({ depth: 'uchar' })
    else pipeline = pipeline.raw()
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true })
    if (!resized) [fullWidth, fullHeight] = [info.width, info.height]
    else if (
      !header.exact &&
      info.width !== info.height &&
      info.width > info.height !== fullWidth > fullHeight
    ) {
      ;[fullWidth, fullHeight] = [fullHeight, fullWidth] // libvips applied a different orientation than exifr read
    }
    return { rgb: toRgb(data, info.channels), width: info.width, height: info.height, fullWidth, fullHeight }
  } catch (error) {
    throw decodeFailure(format, file, error, name)
  }
}

/** Keeps the first three bands (sharp gives 3 after flatten + sRGB; this guards odd inputs). */
function toRgb(data: Uint8Array, channels: number): Uint8Array {
  if (channels === 3) return data
  const pixels = data.length / channels
  const out = new Uint8Array(pixels * 3)
  for (let i = 0; i < pixels; i++) {
    const p = i * channels
    out[i * 3] = data[p]!
    out[i * 3 + 1] = data[p + (channels >= 3 ? 1 : 0)]!
    out[i * 3 + 2] = data[p + (channels >= 3 ? 2 : 0)]!
  }
  return out
}

/** HEIC/HEIF, by heic-decode in a worker (sharp's prebuilt libheif cannot decode HEVC). */
export async function decodeWithHeif(
  file: Buffer,
  inputSize: number,
  maxPixels: number,
  name: string | undefined,
): Promise<Intermediate> {
  // A HEIF whose boxes reach past the end of the file is incomplete; libheif would only say "not found".
  if (looksTruncated('heic', file)) throw new DecodeError('truncated', TRUNCATED_REASON, { name })
  let result
  try {
    result = await decodeHeicInWorker(file, maxPixels)
  } catch (error) {
    throw new DecodeError('corrupt', 'The image is damaged: the HEIC decoder stopped on it.', {
      name,
      cause: error,
    })
  }
  if (!result.ok) {
    if ('tooLarge' in result) {
      throw new DecodeError(
        'too-large',
        tooLargeReason(result.tooLarge.width, result.tooLarge.height, maxPixels),
        { name },
      )
    }
    throw decodeFailure('heic', file, new Error(result.message), name)
  }
  // libheif already applied the file's own rotation and mirroring (irot/imir); the EXIF orientation of a HEIF
  // file is informative only and must not be applied again.
  const { width, height, rgba } = result
  const size = intermediateSize(width, height, inputSize)
  try {
    const { data, info } = await sharp(rgba, {
      raw: { width, height, channels: 4 },
      limitInputPixels: maxPixels,
    })
      .resize(size.width, size.height, { fit: 'fill', kernel: DOWNSCALE_KERNEL })
      .flatten({ background: BACKGROUND })
      .raw()
      .toBuffer({ resolveWithObject: true })
    return {
      rgb: toRgb(data, info.channels),
      width: info.width,
      height: info.height,
      fullWidth: width,
      fullHeight: height,
    }
  } catch (error) {
    throw decodeFailure('heic', file, error, name)
  }
}
