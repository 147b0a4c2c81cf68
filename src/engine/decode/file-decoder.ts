/** The engine's PhotoDecoder port, backed by this folder: files are read whole, then decoded once. */
import type { PhotoDecoder } from '../ports.js'
import { decodePhoto } from './decode-photo.js'
import { readPhotoFile } from './read-photo-file.js'

export const fileDecoder: PhotoDecoder = { read: readPhotoFile, decode: decodePhoto }
