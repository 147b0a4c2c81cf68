/**
 * Photos dragged inside Tessera travel as `application/x-tessera-photos`: a JSON list of photo ids (see
 * PhotoTile). These read it back, refusing anything that is not a list of ids.
 */
export const PHOTOS_MIME = 'application/x-tessera-photos'

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The ids in a drag payload (deduplicated, in order); [] for anything malformed. */
export function parsePhotoIds(text: string | null | undefined): string[] {
  if (!text) return []
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return []
  }
  if (!Array.isArray(value)) return []
  return [...new Set(value.filter((v): v is string => typeof v === 'string' && ID.test(v)))]
}

/** Whether a drag carries Tessera photos (during dragover only the types can be read, not the data). */
export function carriesPhotos(event: DragEvent): boolean {
  return !!event.dataTransfer && Array.from(event.dataTransfer.types).includes(PHOTOS_MIME)
}

export function droppedPhotos(event: DragEvent): string[] {
  return parsePhotoIds(event.dataTransfer?.getData(PHOTOS_MIME))
}
