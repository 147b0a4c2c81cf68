/**
 * Thumbnails for the map's close zoom: loaded lazily (only for points on screen), at most `capacity`
 * kept, least recently drawn dropped first.
 */
export class ThumbCache {
  private readonly images = new Map<string, HTMLImageElement>()

  constructor(
    private readonly urlOf: (id: string) => string,
    private readonly onLoad: () => void,
    private readonly capacity = 400,
  ) {}

  /** The image if it has loaded; starts loading it otherwise (then calls onLoad). */
  get(id: string): HTMLImageElement | null {
    let img = this.images.get(id)
    if (img) {
      this.images.delete(id)
      this.images.set(id, img)
      return img.complete && img.naturalWidth > 0 ? img : null
    }
    img = new Image()
    img.decoding = 'async'
    img.onload = this.onLoad
    img.src = this.urlOf(id)
    this.images.set(id, img)
    while (this.images.size > this.capacity) {
      const [oldest, old] = this.images.entries().next().value as [string, HTMLImageElement]
      old.onload = null
      old.src = ''
      this.images.delete(oldest)
    }
    return null
  }

  clear(): void {
    for (const img of this.images.values()) img.onload = null
    this.images.clear()
  }
}
