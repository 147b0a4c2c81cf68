export type AlbumErrorCode =
  /** The name is empty, too long or has control characters. */
  | 'invalid-name'
  /** Another album already has this name (case-insensitively). */
  | 'duplicate-name'
  /** No album has this id or name. */
  | 'not-found'
  /** A photo id is not a non-empty string. */
  | 'invalid-photo-id'
  /** The store was opened read-only, or has been closed. */
  | 'read-only'
  | 'closed'
  /** The album files of the library are damaged (not a crash: crashes are recovered silently). */
  | 'damaged'
  /** Saving failed (disk full, permissions...): nothing was changed. */
  | 'write-failed'
  /** An import file is missing, not JSON, or not a Tessera albums file. */
  | 'invalid-file'

/** Every album failure the user can cause or see, with a message meant to be shown as is. */
export class AlbumError extends Error {
  override readonly name = 'AlbumError'
  constructor(
    message: string,
    readonly code: AlbumErrorCode,
  ) {
    super(message)
  }
}
