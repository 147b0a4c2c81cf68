/**
 * Albums: user-made, named sets of photos, kept by photo id in a crash-safe journal beside the LanceDB
 * tables, with export to and import from a versioned JSON file.
 */
export { AlbumError, type AlbumErrorCode } from './album-error.js'
export { MAX_ALBUM_NAME, cleanAlbumName, albumNameKey } from './album-names.js'
export {
  AlbumStore,
  type Album,
  type AlbumSummary,
  type AlbumStoreOptions,
  type Membership,
  type MergeEntry,
  type MergeResult,
} from './album-store.js'
export {
  exportAlbums,
  importAlbums,
  readAlbumsFile,
  albumsExportSchema,
  ALBUMS_EXPORT_FORMAT,
  ALBUMS_EXPORT_VERSION,
  type AlbumsExport,
  type ExportedMember,
  type ExportReport,
  type ImportReport,
  type MemberResolver,
  type PhotoLookup,
} from './album-io.js'
export { photoLookup, photoMatcher } from './photo-matching.js'
