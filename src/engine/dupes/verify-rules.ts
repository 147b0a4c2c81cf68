/**
 * The pair verifier's rules (verify-pair.ts): every threshold in one place, and an id made from them, so that
 * verdicts kept from earlier runs (verdict-cache.ts) are dropped as soon as any rule changes.
 */

/** Long side of the pictures compared, in pixels. */
export const VERIFY_SIDE = 320
/** Keypoints per picture (the 1,000 used before found the same pairs on the seed corpus at 2.5× the cost). */
export const ORB_FEATURES = 500
/**
 * The quick first look: the strongest keypoints compared, and the least ratio-test matches among them. On the
 * seed-5class corpus, an edit and its original share at least 15 (a 50 % resize) or 20 (an 80 % crop) of
 * their 100 strongest; 224 pairs of different photos proposed there share at most 8. The look costs about
 * 0.2 ms, the full check of a pair that passes it 10–20 ms (most of it the pixel comparison).
 */
export const QUICK_FEATURES = 100
export const QUICK_MIN_MATCHES = 10
/** Fewer keypoints than this: a flat picture, for which a plain resize is checked without keypoints. */
export const FLAT_FEATURES = 150
export const RATIO = 0.8
export const RANSAC_PX = 3
/** Least RANSAC inliers for a geometric fit to count. */
export const MIN_INLIERS = 15
export const MAX_ROTATION_DEG = 20
export const MAX_ANISOTROPY = 0.12
export const MAX_SHEAR = 0.12
export const MIN_SCALE = 0.25
/**
 * One frame must lie this much inside the other (share of its area), and the overlap cover at least this much
 * of both: a crop keeps at least 60 % of the picture's area (an 80 % crop keeps 64 %); a closer framing of the
 * scene is another shot (the corpus's burst-b, a 60 % window enlarged, keeps 36 %).
 */
export const MIN_CONTAINED = 0.75
export const MIN_OVERLAP = 0.6
/** Correlation of the band-passed grey levels over the overlap. */
export const MIN_DETAIL = 0.45
/** Chroma RMS (of 128) below which a picture counts as grayscale. */
export const GRAY_CHROMA = 4
/** Cosine of the two chroma fields over the overlap. */
export const MIN_CHROMA_COS = 0.8
/** Ratio of chroma strengths (one over the other) allowed. */
export const MAX_CHROMA_RATIO = 2.5
/**
 * Below this chroma RMS over the overlap, a side is pale (a brightened sky clips towards white): its hue is
 * noisy, so the two need only point roughly the same way and the strengths may differ.
 */
export const PALE_CHROMA = 8
export const MIN_PALE_CHROMA_COS = 0.4

/** Radii of the band-pass: the difference of the box means of radius 1 and 4 (over the overlap only). */
export const BAND_FINE = 1
export const BAND_COARSE = 4

/**
 * Bump when the verifier's logic changes in a way the thresholds do not show (a new check, another keypoint
 * detector, another thumbnail): every verdict kept is then checked again.
 */
export const LOGIC_VERSION = 1
