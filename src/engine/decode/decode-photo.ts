/**
 * One decode of a photo file into everything indexing needs (DecodedPhoto).
 *
 * The full-size picture is never materialised for sharp's formats: sharp decodes straight to a small
 * "intermediate" (JPEG and WebP shrink on load, i.e. the decoder itself skips detail), just big enough for both
 * the 320 px thumbnail and the model input, with EXIF orientation applied. Everything else is derived from
 * that intermediate: the model input and the hashes in JS, the WebP thumbnail by one more small sharp call.
 */
import sharp, { type Metadata, type SharpOptions } from 'sharp'
import type { DecodedPhoto } from '../types.js'
import { DecodeError, EMPTY_REASON, TRUNCATED_REASON, tooLargeReason } from './decode-error.js'
import { decodeHeicInWorker } from './heic-worker-pool.js'
import { dHashFromGrey, greyPlane, pHashFromGrey } from './perceptual-hash.js'
import { readMetadataOf } from './read-metadata.js'
import { sniffFormat, type PhotoFormat } from './sniff-format.js'
import { TRUNCATION_MESSAGE, looksTruncated } from './truncation.js'

export interface DecodeOptions {
  /** Side of the square model input, in pixels. */
  inputSize: number
  /** Refuse pictures with more pixels than this, before decoding them. Default: sharp's 268,402,689 (16383²). */
  maxPixels?: number
  /** File name, used only in messages. */
  name?: string
}

export const DEFAULT_MAX_PIXELS = 268_402_689
export const THUMBNAIL_LONG_SIDE = 320
// effort 0: the fastest WebP method; at 320 px the files are a little larger, the look is the same.
const THUMBNAIL_WEBP = { quality: 80, effort: 0 } as const
// Transparent areas are shown on white, in the thumbnail and for the model alike.
const BACKGROUND = { r: 255, g: 255, b: 255 }

const FORMAT_LABEL: Record<PhotoFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  avif: 'AVIF',
  tiff: 'TIFF',
  gif: 'GIF',
  heic: 'HEIC',
}

/** The decoded picture at intermediate size: RGB, interleaved, orientation applied. */
interface Intermediate {
  rgb: Uint8Array
  width: number
  height: number
  /** Size of the whole picture, orientation applied. */
  fullWidth: number
  fullHeight: number
}

/** Scale so that the short side covers the model input and the long side the thumbnail (never above 1). */
export function intermediateSize(width: number, height: number, inputSize: number): { width: number; height: number } {
  const scale = Math.min(1, Math.max(inputSize / Math.min(width, height), THUMBNAIL_LONG_SIDE / Math.max(width, height)))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, THUMBNAIL_LONG_SIDE / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

function extensionOf(name: string | undefined): string | null {
  const m = name ? /\.([^./\\]{1,10})$/.exec(name) : null
  return m ? m[1]!.toLowerCase() : null
}

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'jpe', 'png', 'webp', 'avif', 'tif', 'tiff', 'gif', 'heic', 'heif', 'hif'])

function notAnImage(looksLike: string, name: string | undefined): DecodeError {
  const ext = extensionOf(name)
  const although = ext && IMAGE_EXTENSIONS.has(ext) ? `, although its name ends in .${ext}` : ''
  return new DecodeError('not-an-image', `This file is not an image${although} (${looksLike}).`, { name })
}

/** Maps a decoder failure to a DecodeError, using the file's structure first and the message second. */
function decodeFailure(format: PhotoFormat, file: Uint8Array, error: unknown, name: string | undefined): DecodeError {
  if (error instanceof DecodeError) return error
  const message = error instanceof Error ? error.message : String(error)
  const label = FORMAT_LABEL[format]
  if (/pixel limit/i.test(message)) {
    return new DecodeError('too-large', 'The image is too large to open safely.', { name, cause: error })
  }
  if (looksTruncated(format, file) || TRUNCATION_MESSAGE.test(message)) {
    return new DecodeError('truncated', TRUNCATED_REASON, { name, cause: error })
  }
  if (/unsupported (codec|compression|feature|colou?r|bit ?depth)|not supported|no decoding plugin|not a heic image/i.test(message)) {
    return new DecodeError('unsupported', `This ${label} image uses a variant of the format that Tessera cannot decode.`, {
      name,
      cause: error,
    })
  }
  return new DecodeError('corrupt', `The image is damaged: its ${label} data cannot be decoded.`, { name, cause: error })
}

async function decodeWithSharp(
  file: Buffer,
  format: PhotoFormat,
  inputSize: number,
  maxPixels: number,
  name: string | undefined,
): Promise<Intermediate> {
  // Header only: no pixels are decoded, so a decompression bomb costs nothing here.
  let header: Metadata
  try {
    header = await sharp(file, { limitInputPixels: false }).metadata()
  } catch (error) {
    throw decodeFailure(format, file, error, name)
  }
  const fullWidth = header.autoOrient?.width ?? header.width
  const fullHeight = header.autoOrient?.height ?? header.height
  if (!fullWidth || !fullHeight) {
    throw new DecodeError('corrupt', `The image is damaged: its ${FORMAT_LABEL[format]} header gives no size.`, { name })
  }
  if (fullWidth * fullHeight > maxPixels) {
    throw new DecodeError('too-large', tooLargeReason(fullWidth, fullHeight, maxPixels), { name })
  }
  const size = intermediateSize(fullWidth, fullHeight, inputSize)
  try {
    let pipeline = sharp(file, { autoOrient: true, limitInputPixels: maxPixels, failOn: 'warning' })
    if (size.width !== fullWidth || size.height !== fullHeight) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
    if (header.hasAlpha) pipeline = pipeline.flatten({ background: BACKGROUND })
    const { data, info } = await pipeline.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
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

async function decodeWithHeif(
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
    throw new DecodeError('corrupt', 'The image is damaged: the HEIC decoder stopped on it.', { name, cause: error })
  }
  if (!result.ok) {
    if ('tooLarge' in result) {
      throw new DecodeError('too-large', tooLargeReason(result.tooLarge.width, result.tooLarge.height, maxPixels), { name })
    }
    throw decodeFailure('heic', file, new Error(result.message), name)
  }
  // libheif already applied the file's own rotation and mirroring (irot/imir); the EXIF orientation of a HEIF
  // file is informative only and must not be applied again.
  const { width, height, rgba } = result
  const size = intermediateSize(width, height, inputSize)
  try {
    const { data, info } = await sharp(rgba, { raw: { width, height, channels: 4 }, limitInputPixels: maxPixels })
      .resize(size.width, size.height, { fit: 'fill' })
      .flatten({ background: BACKGROUND })
      .raw()
      .toBuffer({ resolveWithObject: true })
    return { rgb: toRgb(data, info.channels), width: info.width, height: info.height, fullWidth: width, fullHeight: height }
  } catch (error) {
    throw decodeFailure('heic', file, error, name)
  }
}

function rawInput(inter: Intermediate): SharpOptions {
  return { raw: { width: inter.width, height: inter.height, channels: 3 } }
}

async function encodeThumbnail(inter: Intermediate): Promise<Buffer> {
  const size = thumbnailSize(inter.fullWidth, inter.fullHeight)
  let pipeline = sharp(inter.rgb, rawInput(inter))
  if (size.width !== inter.width || size.height !== inter.height) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
  return pipeline.webp(THUMBNAIL_WEBP).toBuffer()
}

/** Short side to inputSize, then the centred square. (sharp's SIMD resize beats a JS one several times over.) */
async function modelInputFrom(inter: Intermediate, inputSize: number): Promise<Uint8Array> {
  const data = await sharp(inter.rgb, rawInput(inter)).resize(inputSize, inputSize, { fit: 'cover' }).raw().toBuffer()
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/**
 * Decodes a photo once and derives the model input, the thumbnail, the perceptual hashes and the metadata.
 * Throws DecodeError (with a plain-language `reason`) for anything that is not a readable picture.
 */
export async function decodePhoto(file: Buffer, opts: DecodeOptions): Promise<DecodedPhoto> {
  const { inputSize, name } = opts
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS
  if (!Number.isInteger(inputSize) || inputSize < 1 || inputSize > 4096) throw new RangeError(`inputSize ${inputSize} is not a valid size`)
  if (!(maxPixels > 0)) throw new RangeError(`maxPixels ${maxPixels} must be positive`)
  if (file.length === 0) throw new DecodeError('empty', EMPTY_REASON, { name })

  const sniffed = sniffFormat(file)
  if (sniffed.kind === 'other') throw notAnImage(sniffed.looksLike, name)
  if (sniffed.kind === 'unsupported') {
    throw new DecodeError('unsupported', `This is a ${sniffed.label} image, a format Tessera cannot open.`, { name })
  }
  const format = sniffed.format
  // exifr reads only the EXIF block; it runs while sharp decodes on its own threads.
  const metadata = readMetadataOf(file, format)
  const inter =
    format === 'heic'
      ? await decodeWithHeif(file, inputSize, maxPixels, name)
      : await decodeWithSharp(file, format, inputSize, maxPixels, name)

  // Both small sharp jobs run on sharp's threads while the hashes are computed here.
  const derived = Promise.all([encodeThumbnail(inter), modelInputFrom(inter, inputSize)])
  const grey = greyPlane(inter.rgb, inter.width, inter.height)
  const phash = pHashFromGrey(grey, inter.width, inter.height)
  const dhash = dHashFromGrey(grey, inter.width, inter.height)
  let thumbnail: Buffer
  let modelInput: Uint8Array
  try {
    ;[thumbnail, modelInput] = await derived
  } catch (error) {
    throw new DecodeError('corrupt', 'The image was decoded but could not be resized.', { name, cause: error })
  }
  return {
    format,
    width: inter.fullWidth,
    height: inter.fullHeight,
    modelInput,
    thumbnail,
    phash,
    dhash,
    metadata: await metadata,
  }
}

/**
 * The bare floor the indexer's throughput is measured against: decode with orientation and cover-resize to
 * size × size raw pixels, nothing else (no thumbnail, hashes or metadata). For benchmarks.
 */
export async function decodeModelInputOnly(file: Buffer, size: number): Promise<Uint8Array> {
  return sharp(file).rotate().resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer()
}
