/**
 * The one API between the interface and the engine. The renderer knows nothing else: the Electron
 * shell serves it over IPC (through a utility process), the browser-mode server over a WebSocket, and
 * both validate every argument against these schemas before the engine sees it.
 *
 * Plain TypeScript + zod, no Node or DOM imports: it is compiled into the renderer and the host alike.
 */
import { z } from 'zod'

// ---- argument schemas ----

/** Photo ids are UUIDs minted by the engine; anything else is refused before it reaches a query. */
export const photoId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
  message: 'not a photo id',
})
const photoIds = z.array(photoId).max(1_000_000)
const albumRef = z.string().min(1).max(500)
const albumName = z.string().trim().min(1, { message: 'An album needs a name.' }).max(200)
const folderPath = z.string().min(1).max(4096)
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}/, { message: 'a date like 2024-05-31' })
const providerName = z.enum(['cuda', 'dml', 'coreml', 'cpu'])
const dupeLevel = z.enum(['strict', 'normal', 'loose'])
const k = z.number().int().min(1).max(1000)

export const searchFilters = z
  .object({
    folder: folderPath.optional(),
    from: isoDay.optional(),
    to: isoDay.optional(),
    album: albumRef.optional(),
    /** A city or country name (case- and accent-insensitive): photos placed there by their GPS position. */
    place: z.string().trim().min(1).max(200).optional(),
    /** A word the photos' labels must give evidence for ("dog" lets every breed through). */
    tag: z.string().trim().min(1).max(100).optional(),
  })
  .strict()

const none = z.tuple([])

/** Method name → argument tuple. Results are typed in {@link Results}. */
export const methods = {
  'app.info': none,
  'library.status': none,
  /**
   * Every photo in the library that can be shown (not failed, not trashed), newest capture first; with
   * `folder`, only the photos in that folder and the folders below it.
   */
  'library.timeline': z.tuple([z.object({ folder: folderPath.optional() }).strict().optional()]),
  'library.photo': z.tuple([photoId]),
  'library.problems': none,
  /** Every GPS-tagged photo that can be shown, with the city and country it was placed in (offline). */
  'library.places': none,
  /** The watched folders as trees, with how many photos each folder holds. */
  'library.folders': none,
  /**
   * Browser mode's folder picker: the sub-folders of an absolute folder (the user's home when omitted).
   * System folders are listed but marked refused, with the reason.
   */
  'fs.browse': z.tuple([folderPath.optional()]),
  /**
   * Absolute folders only (links resolved); system folders and the library's own are refused. The filesystem
   * root and the whole home folder are refused with code `needs-confirmation` unless `confirm` is set.
   */
  'roots.add': z.tuple([
    z.array(folderPath).min(1).max(100),
    z.object({ confirm: z.boolean().optional() }).strict().optional(),
  ]),
  'roots.remove': z.tuple([folderPath]),
  /** Rescans every watched folder; progress arrives as `index` events. */
  'index.start': none,
  'index.cancel': none,
  'search.capabilities': none,
  'search.similar': z.tuple([photoId, k, searchFilters]),
  /** An image the user dropped, as base64 bytes (never a path: the renderer cannot name files). */
  'search.image': z.tuple([
    z.object({ name: z.string().max(500), base64: z.string().max(80_000_000) }).strict(),
    k,
    searchFilters,
  ]),
  'search.text': z.tuple([z.string().trim().min(1).max(500), k, searchFilters]),
  /** Words: the built-in model's labels (WordNet words), or the text tower with a CLIP pack. */
  'search.words': z.tuple([z.string().trim().min(1).max(500), k, searchFilters]),
  /** A photo's tags: its labels and the broad words they fall under. */
  'search.tags': z.tuple([photoId]),
  /** Level, similar shots too, and options (mirror: also find left-right mirrored copies; default false). */
  'dupes.find': z.tuple([dupeLevel, z.boolean(), z.object({ mirror: z.boolean() }).strict().optional()]),
  /** Moves the photos' files to the OS trash (journaled; `trash.undo` puts them back). */
  'trash.photos': z.tuple([photoIds.min(1)]),
  'trash.undo': none,
  /** What Tessera moved to the trash (from its journal), newest batch first, the restored ones included. */
  'trash.list': none,
  /** Puts photos back from the trash, from any batch: these photos and every photo of these batches. */
  'trash.restore': z.tuple([
    z
      .object({
        ids: photoIds.optional(),
        batches: z.array(z.string().min(1).max(200)).max(1000).optional(),
      })
      .strict(),
  ]),
  'groups.list': none,
  'albums.list': none,
  'albums.create': z.tuple([albumName]),
  'albums.rename': z.tuple([albumRef, albumName]),
  'albums.delete': z.tuple([albumRef]),
  'albums.add': z.tuple([albumRef, photoIds.min(1)]),
  'albums.remove': z.tuple([albumRef, photoIds.min(1)]),
  'albums.members': z.tuple([albumRef]),
  'albums.suggest': z.tuple([albumRef, k]),
  /** Every album and its members as the JSON of `tessera albums export` (the interface saves it as a file). */
  'albums.export': none,
  /** An export file's text (from `albums.export` or `tessera albums export`), merged into these albums. */
  'albums.import': z.tuple([
    z.object({ name: z.string().max(500), text: z.string().max(50_000_000) }).strict(),
  ]),
  /** Starts training a head on the albums; progress and the result arrive as `train` events. */
  'train.start': z.tuple([
    z
      .object({
        epochs: z.number().int().min(1).max(2000).optional(),
        margin: z.number().min(0).max(1.5).optional(),
        scale: z.number().min(1).max(128).optional(),
      })
      .strict(),
  ]),
  'train.cancel': none,
  /** Switches the library to a saved head (a new one to accept, or an older one to restore). */
  'heads.use': z.tuple([z.string().min(1).max(200)]),
  'heads.list': none,
  'settings.get': none,
  'settings.update': z.tuple([
    z
      .object({
        providers: z.array(providerName).min(1).max(4).optional(),
        continuousTraining: z.boolean().optional(),
        autoAcceptImprovements: z.boolean().optional(),
        polling: z.boolean().optional(),
        model: z.string().min(1).max(200).optional(),
      })
      .strict(),
  ]),
  'models.list': none,
  /** Downloads a model pack; progress arrives as `download` events. */
  'models.download': z.tuple([z.string().min(1).max(200)]),
  /** Installs a custom pack from a folder holding manifest.json and its files (each sha256 checked). */
  'models.import': z.tuple([folderPath]),
  /** The 2-D similarity map, computed off the UI thread and cached until the embeddings change. */
  'map.layout': none,
} as const

export type MethodName = keyof typeof methods
export type Args<M extends MethodName> = z.infer<(typeof methods)[M]>

// ---- result types ----

export type ProviderName = z.infer<typeof providerName>
export type DupeLevel = z.infer<typeof dupeLevel>
export type SearchFilters = z.infer<typeof searchFilters>

export interface ProviderReport {
  provider: ProviderName
  attempts: Array<{ provider: ProviderName; ok: boolean; reason: string }>
  at: string
}

export interface AppInfo {
  version: string
  mode: 'electron' | 'browser'
  library: string
  /** What the host can do for the interface (native folder picker, show in folder). */
  native: { pickFolder: boolean; showInFolder: boolean }
}

export interface IndexingState {
  running: boolean
  phase: 'idle' | 'scan' | 'index' | 'download' | 'head'
  done: number
  total: number
  /** Photos per second over the current run. */
  rate: number
  provider: ProviderName | null
  message: string | null
  /** The last run's outcome, once it finished. */
  last: { indexed: number; failed: number; seconds: number; error: string | null } | null
}

export interface LibraryStatus {
  library: string
  roots: string[]
  /** Files in the library, including the ones that could not be read (`failed`); not the trashed ones. */
  photos: number
  embedded: number
  pending: number
  failed: number
  trashed: number
  model: string
  head: string | null
  lastProvider: ProviderReport | null
  indexing: IndexingState
  canUndo: boolean
}

/** Column arrays (compact over the wire for 100,000 photos): `ids[i]` was taken at `takenAt[i]`. */
export interface Timeline {
  ids: string[]
  /** Milliseconds since the epoch; null when the photo has no capture date (then sorted by file time). */
  takenAt: Array<number | null>
  /** Changes whenever the library does; the interface refetches when it differs. */
  version: number
}

export interface PhotoDetail {
  id: string
  path: string
  name: string
  folder: string
  size: number
  width: number | null
  height: number | null
  format: string | null
  takenAt: string | null
  /** Where takenAt came from: EXIF DateTimeOriginal, another EXIF/XMP date, the file name, the file time. */
  dateSource: DateSource | null
  camera: string | null
  gps: { latitude: number; longitude: number; altitude: number | null } | null
  /** The nearest city (offline reverse geocoding of gps), null without GPS or far from any town. */
  placeCity: string | null
  placeCountry: string | null
  albums: Array<{ id: string; name: string }>
}

export type DateSource = 'exif' | 'exif-other' | 'filename' | 'mtime'

export interface PlacePoint {
  id: string
  lat: number
  lon: number
  city: string | null
  country: string | null
}

export interface FolderNode {
  /** Absolute path. */
  path: string
  name: string
  /** Photos directly inside this folder. */
  count: number
  /** Photos in this folder and all its sub-folders. */
  total: number
  children: FolderNode[]
}

export interface FolderListing {
  /** The absolute, real path listed. */
  path: string
  /** Its parent folder, null at the file-system root. */
  parent: string | null
  /** Sub-folders only, by name; `refused` says why one cannot be added (a system folder), else null. */
  entries: Array<{ name: string; path: string; refused: string | null }>
}

export interface Problem {
  path: string
  code: string
  reason: string
}

export interface SearchHit {
  id: string
  path: string
  score: number
}

export interface WordSearchView {
  /** 'labels': ranked by the built-in model's labels; 'clip': by the CLIP pack's text tower. */
  mode: 'labels' | 'clip'
  /** Hits, best first; `label` is the photo's label that matched, `by` how it was found. */
  hits: Array<SearchHit & { label: string | null; by: 'labels' | 'similar' }>
  /** The words understood, with how many ImageNet classes each stands for. */
  terms: Array<{ text: string; word: string; classes: number }>
  /** Words not known, with near words that are. */
  unknown: Array<{ word: string; suggestions: string[] }>
}

export interface PhotoTagView {
  word: string
  /** Probability mass of the photo's labels on it. */
  p: number
  kind: 'label' | 'category'
}

export interface SearchCapabilities {
  text: boolean
  /** What to do to get text search, when it is missing. */
  hint: string | null
  model: string
}

export interface DupePhoto {
  id: string
  path: string
  size: number
  width: number | null
  height: number | null
  format: string | null
  takenAt: string | null
  /** "Make Model", null when unknown. */
  camera: string | null
}

export interface DupeGroupView {
  kind: 'exact' | 'near' | 'similar'
  keep: string
  reason: string
  /** The keeper first. */
  photos: DupePhoto[]
}

export interface TrashOutcome {
  moved: number
  failed: Array<{ path: string; reason: string }>
}

export interface UndoOutcome {
  restored: number
  failed: Array<{ path: string; reason: string }>
}

/** One file Tessera moved to the trash (`trash.list`). */
export interface TrashEntryView {
  /** The move it was part of (one click, one `dupes --trash`). */
  batch: string
  /** When it was moved (ISO). */
  movedAt: string
  /** Its library photo, kept while it is in the trash (null: a file that was not a library photo). */
  id: string | null
  name: string
  path: string
  size: number | null
  /** in-trash: can be restored; restored: back at its path; gone: no longer in the trash (emptied). */
  state: 'in-trash' | 'restored' | 'gone'
  /** The library still has a thumbnail of it (`thumb` media by id). */
  thumb: boolean
}

export interface RestoreOutcome {
  restored: number
  /** The photos back in the library, with the ids they had. */
  ids: string[]
  failed: Array<{ path: string; reason: string }>
}

export interface GroupView {
  id: string
  /** A human name from the group's labels and dates ("Daisies · May 2021"). */
  name: string
  cover: string
  photos: string[]
  from: string | null
  to: string | null
}

export interface AlbumView {
  id: string
  name: string
  count: number
  cover: string | null
  updatedAt: number
}

export interface HeadView {
  version: string
  kind: 'pca' | 'arcface'
  model: string
  createdAt: string
  fittedOn: number
  metrics: Record<string, number>
  active: boolean
}

export interface TrainResult {
  before: number
  after: number
  epochs: number
  seconds: number
  headVersion: string
  albums: number
  trainPhotos: number
  heldOutPhotos: number
}

export interface SettingsView {
  library: string
  roots: string[]
  model: string
  providers: ProviderName[]
  lastProvider: ProviderReport | null
  continuousTraining: boolean
  autoAcceptImprovements: boolean
  polling: boolean
}

export interface ModelView {
  id: string
  name: string
  description: string
  installed: boolean
  active: boolean
  text: boolean
  /** Download size in bytes (0 for a custom pack). */
  bytes: number
  /** Imported from a folder rather than from the catalog. */
  custom: boolean
}

export interface MapLayout {
  ids: string[]
  /** Interleaved x, y in [0, 1]. */
  xy: number[]
  /** Group id per photo ('' when ungrouped), for colouring. */
  group: string[]
}

export interface Results {
  'app.info': AppInfo
  'library.status': LibraryStatus
  'library.timeline': Timeline
  'library.photo': PhotoDetail
  'library.problems': Problem[]
  'library.places': PlacePoint[]
  'library.folders': FolderNode[]
  'fs.browse': FolderListing
  'roots.add': { added: string[] }
  'roots.remove': { removedPhotos: number }
  'index.start': { started: boolean }
  'index.cancel': { cancelled: boolean }
  'search.capabilities': SearchCapabilities
  'search.similar': SearchHit[]
  'search.image': SearchHit[]
  'search.text': SearchHit[]
  'search.words': WordSearchView
  'search.tags': PhotoTagView[]
  'dupes.find': DupeGroupView[]
  'trash.photos': TrashOutcome
  'trash.undo': UndoOutcome
  'trash.list': TrashEntryView[]
  'trash.restore': RestoreOutcome
  'groups.list': { groups: GroupView[]; ungrouped: number }
  'albums.list': AlbumView[]
  'albums.create': AlbumView
  'albums.rename': AlbumView
  'albums.delete': { removedMemberships: number }
  'albums.add': { added: number; already: number }
  'albums.remove': { removed: number }
  'albums.members': string[]
  'albums.suggest': SearchHit[]
  'albums.export': { text: string; albums: number; members: number; missing: number }
  'albums.import': {
    albums: number
    created: number
    added: number
    already: number
    unmatched: Array<{ album: string; id: string | null; path: string | null }>
  }
  'train.start': { started: boolean }
  'train.cancel': { cancelled: boolean }
  'heads.use': { reprojected: number }
  'heads.list': HeadView[]
  'settings.get': SettingsView
  'settings.update': SettingsView
  'models.list': ModelView[]
  'models.download': { started: boolean }
  'models.import': { id: string }
  'map.layout': MapLayout
}

// ---- events (host → interface) ----

export type EngineEvent =
  | { type: 'index'; state: IndexingState }
  /** Photos were added, changed, trashed or restored: refetch what is on screen. */
  | { type: 'library'; version: number }
  | { type: 'albums' }
  | {
      type: 'train'
      state:
        | { phase: 'running'; epoch: number; epochs: number; loss: number; accuracy: number }
        | { phase: 'done'; result: TrainResult; accepted: boolean; continuous: boolean }
        | { phase: 'failed'; error: string }
        | { phase: 'cancelled' }
    }
  | { type: 'heads'; active: string | null }
  | {
      type: 'download'
      id: string
      state:
        | { phase: 'running'; done: number; total: number }
        | { phase: 'done' }
        | { phase: 'failed'; error: string }
    }
  | { type: 'map'; phase: 'running' | 'done' | 'failed'; progress: number; error?: string }
  /** A search for duplicates: proposed pairs whose pixels were checked so far, of how many. */
  | { type: 'dupes'; checked: number; toCheck: number }

// ---- wire format (WebSocket frames and IPC messages alike) ----

export interface CallMessage {
  kind: 'call'
  id: number
  method: string
  args: unknown
}
export type ReplyMessage =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: { message: string; code: string } }
export interface EventMessage {
  kind: 'event'
  event: EngineEvent
}

/** An error the interface can show as is: a plain sentence saying what went wrong and what to do. */
export class ContractError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = 'ContractError'
  }
}

/** Validates a call against the contract; throws a ContractError naming the method and the bad argument. */
export function parseCall<M extends MethodName>(method: string, args: unknown): { method: M; args: Args<M> } {
  if (!Object.hasOwn(methods, method))
    throw new ContractError(`Unknown method "${String(method)}".`, 'bad-method')
  const parsed = methods[method as M].safeParse(args)
  if (!parsed.success) {
    throw new ContractError(`Invalid arguments for ${method}: ${z.prettifyError(parsed.error)}`, 'bad-args')
  }
  return { method: method as M, args: parsed.data as Args<M> }
}

/** What every host (Electron utility process, browser-mode server) implements. */
export interface EngineApi {
  call<M extends MethodName>(method: M, args: Args<M>): Promise<Results[M]>
  subscribe(listener: (event: EngineEvent) => void): () => void
}

/** Media URLs: thumbnails and photos by id only, so no path ever travels in a URL. */
export const MEDIA_KINDS = ['thumb', 'photo'] as const
export type MediaKind = (typeof MEDIA_KINDS)[number]
