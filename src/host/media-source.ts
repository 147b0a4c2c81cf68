/**
 * What the media endpoints (the browser-mode server's `/media/…` routes and the Electron shell's
 * `tessera-media://` protocol) may ask the engine host: where a photo's file and thumbnail are, and the
 * folders they must lie in. Both endpoints share `resolveMedia` (media.ts), which refuses anything else.
 */
export interface MediaSource {
  /** The library photo's file path (as stored), or null when the id is unknown, failed or trashed. */
  photoPath(id: string): Promise<{ path: string } | null>
  /** The photo's thumbnail file in the cache, or null when it has none. */
  thumbPath(id: string): Promise<string | null>
  /** Watched folders: a photo file is served only if its real path lies inside one. */
  roots(): readonly string[]
  /** The thumbnail cache folder: a thumbnail is served only if its real path lies inside it. */
  readonly thumbsDir: string
}
