/**
 * Photo decoding: one decode per file into a DecodedPhoto, plain-language DecodeErrors, EXIF metadata.
 */
export { DecodeError, isDecodeError, type DecodeErrorCode } from './decode-error.js'
export {
  decodePhoto,
  decodeModelInputOnly,
  DEFAULT_MAX_PIXELS,
  THUMBNAIL_LONG_SIDE,
  type DecodeOptions,
} from './decode-photo.js'
export { readPhotoFile } from './read-photo-file.js'
export { readMetadata } from './read-metadata.js'
export { hammingDistance } from './perceptual-hash.js'
export { sniffFormat, type PhotoFormat } from './sniff-format.js'
export { closeHeicWorkers } from './heic-worker-pool.js'
export { fileDecoder } from './file-decoder.js'
