/**
 * Duplicate finding: exact (same content), near (same picture, transformed) and similar (same scene) groups,
 * each with the photo to keep and why.
 */
export type { DupeGroup, DupeKind, DupeLevel, DupePhoto } from './types.js'
export {
  findDuplicates,
  judgePair,
  differentCaptures,
  type FindDuplicatesOptions,
  type Neighbour,
  type NeighbourFn,
  type PairVerdict,
  type VerifyFn,
  type RunVerifier,
} from './find-duplicates.js'
export { LEVELS, type LevelThresholds } from './levels.js'
export { chooseKeeper, compareForKeeping } from './keeper.js'
export { exactNeighbours } from './exact-knn.js'
export { forEachPairWithin, packHashes, type PackedHashes } from './hash-bands.js'
export {
  createPairVerifier,
  prepareImage,
  verifyPair,
  verifyPrepared,
  type EditVerdict,
  type PairVerifier,
  type PairVerifierOptions,
  type PreparedImage,
  type VerifiablePhoto,
  type VerifyOptions,
} from './verify-pair.js'
