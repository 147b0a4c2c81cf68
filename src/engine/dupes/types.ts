import type { PhotoRow } from '../store/photo-store.js'

/** What duplicate finding needs of a photo: identity, content hash, size, metadata and fingerprints. */
export type DupePhoto = Pick<
  PhotoRow,
  | 'id'
  | 'path'
  | 'size'
  | 'hash'
  | 'width'
  | 'height'
  | 'format'
  | 'takenAt'
  | 'cameraMake'
  | 'cameraModel'
  | 'latitude'
  | 'longitude'
  | 'altitude'
  | 'phash'
  | 'dhash'
  | 'embedding'
> &
  /** Optional: where takenAt came from and the file's time, for similar shots (similar-shots.ts). */
  Partial<Pick<PhotoRow, 'dateSource' | 'mtimeMs'>>

export type DupeKind = 'exact' | 'near' | 'similar'
export type DupeLevel = 'strict' | 'normal' | 'loose'

export interface DupeGroup {
  kind: DupeKind
  /** Id of the photo to keep. */
  keep: string
  /** Why that one, in plain language. */
  reason: string
  /** Ids, the keeper first. */
  photos: string[]
}
