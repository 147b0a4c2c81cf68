/**
 * One decode of a photo file into everything indexing needs (DecodedPhoto): the intermediate from
 * decode-intermediate.ts, then from it the JPEG thumbnail and the model input (two small sharp jobs, in
 * parallel) and the perceptual hashes (JS, meanwhile). The EXIF comes from exifr on the EXIF block alone.
 */
import sharp, { type SharpOptions } from 'sharp'
import type { DecodedPhoto } from '../types.js'
import { DecodeError, EMPTY_REASON } from './decode-error.js'
import { notAnImage } from './decode-failure.js'
import {
  THUMBNAIL_LONG_SIDE,
  decodeWithHeif,
  decodeWithSharp,
  type Intermediate,
} from './decode-intermediate.js'
import { perceptualHashes } from './perceptual-hash.js'
import { readMetadataOf } from './read-metadata.js'
import { sniffFormat } from './sniff-format.js'

export { THUMBNAIL_LONG_SIDE }

export interface DecodeOptions {
  /** Side of the square model input, in pixels. */
  inputSize: number
  /** Refuse pictures with more pixels than this, before decoding them. Default: sharp's 268,402,689 (16383²). */
  maxPixels?: number
  /** File name, used only in messages. */
  name?: string
}

export const DEFAULT_MAX_PIXELS = 268_402_689
// The thumbnail encode is the largest cost after the decode itself. libjpeg-turbo (mozjpeg off) takes about
// 1.5 ms CPU for 320 × 240, where WebP at libwebp's fastest effort took 4 to 5 ms; at quality 80 a thumbnail
// is about 16 KB (WebP at 75: 13 KB), and at 320 px the difference does not show.
const THUMBNAIL_JPEG = { quality: 80, mozjpeg: false, optimiseCoding: false } as const

function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, THUMBNAIL_LONG_SIDE / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

function rawInput(inter: Intermediate): SharpOptions {
  return { raw: { width: inter.width, height: inter.height, channels: 3 } }
}

/** The JPEG thumbnail (long side 320 px) of the intermediate. */
export async function encodeThumbnail(inter: Intermediate): Promise<Buffer> {
  const size = thumbnailSize(inter.fullWidth, inter.fullHeight)
  let pipeline = sharp(inter.rgb, rawInput(inter))
  if (size.width !== inter.width || size.height !== inter.height)
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
  return pipeline.jpeg(THUMBNAIL_JPEG).toBuffer()
}

/** Short side to inputSize, then the centred square. */
export async function modelInputFrom(inter: Intermediate, inputSize: number): Promise<Uint8Array> {
  if (Math.min(inter.width, inter.height) === inputSize) return centreCrop(inter, inputSize) // wide pictures
  // sharp's SIMD resize costs less than a JS one, even counting the trip through its thread pool.
  const data = await sharp(inter.rgb, rawInput(inter))
    .resize(inputSize, inputSize, { fit: 'cover' })
    .raw()
    .toBuffer()
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/** The centred side × side square of an image whose short side is already `side`. */
function centreCrop(inter: Intermediate, side: number): Uint8Array {
  const left = Math.floor((inter.width - side) / 2)
  const top = Math.floor((inter.height - side) / 2)
  const out = new Uint8Array(side * side * 3)
  for (let y = 0; y < side; y++) {
    const from = ((top + y) * inter.width + left) * 3
    out.set(inter.rgb.subarray(from, from + side * 3), y * side * 3)
  }
  return out
}

/**
 * Decodes a photo once and derives the model input, the thumbnail, the perceptual hashes and the metadata.
 * Throws DecodeError (with a plain-language `reason`) for anything that is not a readable picture.
 */
export async function decodePhoto(file: Buffer, opts: DecodeOptions): Promise<DecodedPhoto> {
  const { inputSize, name } = opts
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS
  if (!Number.isInteger(inputSize) || inputSize < 1 || inputSize > 4096)
    throw new RangeError(`inputSize ${inputSize} is not a valid size`)
  if (!(maxPixels > 0)) throw new RangeError(`maxPixels ${maxPixels} must be positive`)
  if (file.length === 0) throw new DecodeError('empty', EMPTY_REASON, { name })

  const sniffed = sniffFormat(file)
  if (sniffed.kind === 'other') throw notAnImage(sniffed.looksLike, name)
  if (sniffed.kind === 'unsupported') {
    throw new DecodeError('unsupported', `This is a ${sniffed.label} image, a format Tessera cannot open.`, {
      name,
    })
  }
  const format = sniffed.format
  // exifr on the EXIF block only: a fraction of a millisecond, and the JPEG path needs the orientation first.
  const metadata = await readMetadataOf(file, format)
  const inter =
    format === 'heic'
      ? await decodeWithHeif(file, inputSize, maxPixels, name)
      : await decodeWithSharp(file, format, inputSize, maxPixels, name, metadata.orientation)

  // Both small sharp jobs run on sharp's threads while the hashes are computed here.
  const derived = Promise.all([encodeThumbnail(inter), modelInputFrom(inter, inputSize)])
  const { phash, dhash } = perceptualHashes(inter.rgb, inter.width, inter.height)
  let thumbnail: Buffer
  let modelInput: Uint8Array
  try {
    ;[thumbnail, modelInput] = await derived
  } catch (error) {
    throw new DecodeError('corrupt', 'The image was decoded but could not be resized.', {
      name,
      cause: error,
    })
  }
  return {
    format,
    width: inter.fullWidth,
    height: inter.fullHeight,
    modelInput,
    thumbnail,
    phash,
    dhash,
    metadata,
  }
}

/**
 * The bare floor the indexer's throughput is measured against: decode with orientation and cover-resize to
 * size × size raw pixels, nothing else (no thumbnail, hashes or metadata). For benchmarks.
 */
export async function decodeModelInputOnly(file: Buffer, size: number): Promise<Uint8Array> {
  return sharp(file).rotate().resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer()
}
