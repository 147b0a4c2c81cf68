/**
 * The interface's state: one reactive object and the actions that change it. Views read it; only the
 * engine's events and these actions write it. (Small enough that a store library would add nothing.)
 */
import { markRaw, reactive } from 'vue'
import type {
  AlbumView,
  AppInfo,
  EngineEvent,
  LibraryStatus,
  SearchFilters,
  SearchHit,
  Timeline,
} from '../../../shared/contract'
import { connectEngine, EngineError } from '../client/engine-client'
import { preloadApi } from '../client/ipc-transport'
import { clickSelect, type ClickModifiers } from './selection'
import { addedMessage } from './add-folders'

export const VIEWS = [
  'library',
  'search',
  'places',
  'folders',
  'albums',
  'groups',
  'explore',
  'duplicates',
  'training',
  'problems',
  'trash',
  'settings',
] as const
export type ViewName = (typeof VIEWS)[number]

/** Views that show photos: the selection bar is theirs. */
export const PHOTO_VIEWS: readonly ViewName[] = [
  'library',
  'search',
  'places',
  'folders',
  'albums',
  'groups',
  'explore',
]

/** Old addresses that still open their view (the similarity view was called "Map"). */
const VIEW_ALIASES: Record<string, ViewName> = { map: 'explore' }

/** Thumbnail sizes of the library grid (Ctrl + / Ctrl −), in px. */
export const TILE_STEPS = [96, 128, 160, 208, 272] as const

function loadPrefs(): { tile: number; sort: 'newest' | 'oldest' } {
  try {
    const raw = JSON.parse(localStorage.getItem('tessera.library') ?? '{}') as {
      tile?: unknown
      sort?: unknown
    }
    const tile = typeof raw.tile === 'number' && raw.tile >= 0 && raw.tile < TILE_STEPS.length ? raw.tile : 2
    return { tile, sort: raw.sort === 'oldest' ? 'oldest' : 'newest' }
  } catch {
    return { tile: 2, sort: 'newest' }
  }
}

export interface Toast {
  id: number
  message: string
  kind: 'info' | 'error'
  action?: { label: string; run: () => void | Promise<void> }
}

export const client = connectEngine()

export const state = reactive({
  view: 'library' as ViewName,
  /** Album shown in the albums view (null: the list). */
  albumId: null as string | null,
  /** Folder shown in the folders view (null: every folder). */
  folder: null as string | null,
  /** The library grid: thumbnail size step (an index into TILE_STEPS) and order. */
  library: loadPrefs(),
  info: null as AppInfo | null,
  status: null as LibraryStatus | null,
  timeline: null as Timeline | null,
  albums: [] as AlbumView[],
  selection: new Set<string>(),
  anchor: null as string | null,
  /** Photos the viewer steps through, and which one is open. */
  viewer: null as { ids: string[]; index: number } | null,
  search: {
    text: '',
    /** What the results came from, for the heading. */
    source: null as
      | null
      | { kind: 'text'; text: string }
      | { kind: 'image'; name: string }
      | { kind: 'similar'; id: string },
    results: [] as SearchHit[],
    busy: false,
    error: null as string | null,
    filters: {} as SearchFilters,
    /** Keep the filters for the next query or "Find similar" (else each starts from a clean state). */
    keepFilters: false,
  },
  connected: true,
  toasts: [] as Toast[],
  /** Bumped on every `library` event: views that show photos refetch when it changes. */
  libraryVersion: 0,
  albumsVersion: 0,
  headsVersion: 0,
})

let toastId = 1

export function notify(
  message: string,
  options: { kind?: Toast['kind']; action?: Toast['action']; ms?: number } = {},
) {
  const toast: Toast = { id: toastId++, message, kind: options.kind ?? 'info', action: options.action }
  state.toasts.push(toast)
  // A few at a time: older notices make way (their actions are still a keystroke away, e.g. Ctrl+Z).
  if (state.toasts.length > 3) state.toasts.splice(0, state.toasts.length - 3)
  setTimeout(() => dismiss(toast.id), options.ms ?? (options.action ? 10_000 : 5_000))
}

export function dismiss(id: number) {
  const i = state.toasts.findIndex((t) => t.id === id)
  if (i >= 0) state.toasts.splice(i, 1)
}

/** Shows an engine error in plain words; returns undefined so callers can `.catch(reportError)`. */
export function reportError(error: unknown): undefined {
  const message = error instanceof EngineError || error instanceof Error ? error.message : String(error)
  notify(message, { kind: 'error', ms: 8000 })
  return undefined
}

/**
 * Shows a view. `item` is what it opens on: an album id in Albums, a folder path in Folders. Leaving
 * Search empties the search box (its words belong to the results left behind).
 */
export function navigate(view: ViewName, item: string | null = null) {
  if (state.view === 'search' && view !== 'search') state.search.text = ''
  state.view = view
  state.albumId = view === 'albums' ? item : null
  if (view === 'folders') state.folder = item
  const hash = item ? `#/${view}/${encodeURIComponent(item)}` : `#/${view}`
  if (location.hash !== hash) history.replaceState(null, '', hash)
}

export function routeFromHash() {
  const [, name, ...rest] = location.hash.split('/')
  const view = name ? (VIEW_ALIASES[name] ?? name) : undefined
  const item = rest.join('/')
  if (view && (VIEWS as readonly string[]).includes(view))
    navigate(view as ViewName, item ? decodeURIComponent(item) : null)
}

export function saveLibraryPrefs() {
  try {
    localStorage.setItem('tessera.library', JSON.stringify(state.library))
  } catch {
    // private mode: the choice lasts this session
  }
}

export async function refreshStatus() {
  state.status = await client.call('library.status')
}

export async function refreshTimeline() {
  const timeline = await client.call('library.timeline')
  // Raw: 100,000 ids need no deep reactivity (the whole timeline is replaced when it changes), and
  // proxying every element would cost more than drawing the grid.
  if (state.timeline?.version !== timeline.version) state.timeline = markRaw(timeline)
}

export async function refreshAlbums() {
  state.albums = await client.call('albums.list')
}

/**
 * The selection just before the last click on a photo: a double click opens the photo, and its first
 * click must not leave it selected (see openViewer).
 */
let beforeClick: { id: string; selected: Set<string>; anchor: string | null; at: number } | null = null
const DOUBLE_CLICK_MS = 800

/** Call before a click changes the selection; the second click of a double click changes nothing. */
export function noteClick(id: string, event: MouseEvent | KeyboardEvent): boolean {
  if (event.type !== 'click' && event.type !== 'pointerup') return true
  const b = beforeClick
  if ((event as MouseEvent).detail > 1 || (b && b.id === id && Date.now() - b.at < DOUBLE_CLICK_MS))
    return false
  beforeClick = { id, selected: state.selection, anchor: state.anchor, at: Date.now() }
  return true
}

export function select(order: readonly string[], id: string, mods: ClickModifiers) {
  const next = clickSelect({ selected: state.selection, anchor: state.anchor }, order, id, mods)
  state.selection = next.selected
  state.anchor = next.anchor
}

/**
 * A tile's click or key: Shift extends from the anchor, Ctrl/⌘ toggles; Space (a key event) toggles too,
 * so the keyboard can build a selection.
 */
export function selectWithEvent(order: readonly string[], id: string, event: MouseEvent | KeyboardEvent) {
  if (!noteClick(id, event)) return
  select(order, id, {
    shift: event.shiftKey,
    toggle: event.ctrlKey || event.metaKey || event.type === 'keydown',
  })
}

export function clearSelection() {
  state.selection = new Set()
  state.anchor = null
}

/** Opens the viewer. Opening never selects: the clicks of a double click are undone. */
export function openViewer(ids: string[], index: number) {
  const b = beforeClick
  beforeClick = null
  if (b && b.id === ids[index] && Date.now() - b.at < DOUBLE_CLICK_MS) {
    state.selection = b.selected
    state.anchor = b.anchor
  }
  state.viewer = { ids, index }
}

export function closeViewer() {
  state.viewer = null
}

export function selectAll(ids: readonly string[]) {
  state.selection = new Set(ids)
  state.anchor = ids[0] ?? null
}

/** Moves photos to the trash, with an Undo button in the notice. */
export async function trashPhotos(ids: string[]) {
  const result = await client.call('trash.photos', ids)
  for (const id of ids) state.selection.delete(id)
  const failed =
    result.failed.length > 0
      ? `; ${result.failed.length} could not be moved (${result.failed[0]!.reason})`
      : ''
  notify(`Moved ${result.moved} ${result.moved === 1 ? 'photo' : 'photos'} to the trash${failed}.`, {
    kind: result.failed.length > 0 ? 'error' : 'info',
    action: result.moved > 0 ? { label: 'Undo', run: undoTrash } : undefined,
  })
  await refreshStatus()
}

export async function undoTrash() {
  const result = await client.call('trash.undo')
  if (result.restored === 0 && result.failed.length === 0) notify('Nothing to undo.')
  else notify(`Restored ${result.restored} ${result.restored === 1 ? 'photo' : 'photos'} from the trash.`)
  await refreshStatus()
}

function onEvent(event: EngineEvent) {
  switch (event.type) {
    case 'index':
      if (state.status) state.status.indexing = event.state
      if (!event.state.running) void refreshStatus().catch(reportError)
      break
    case 'library':
      state.libraryVersion++
      void refreshTimeline().catch(reportError)
      void refreshStatus().catch(reportError)
      break
    case 'albums':
      state.albumsVersion++
      void refreshAlbums().catch(reportError)
      break
    case 'heads':
      state.headsVersion++
      break
  }
}

/** Loads what every view needs and starts following the engine's events. */
export async function startApp() {
  client.on(onEvent)
  // After a reconnection (not the first connection: the loads below cover that), catch up on what changed.
  let lost = false
  client.onConnection((connected) => {
    state.connected = connected
    if (!connected) lost = true
    else if (lost) void Promise.all([refreshStatus(), refreshTimeline(), refreshAlbums()]).catch(reportError)
  })
  // Electron's File › Add Folder… menu.
  preloadApi()?.onMenu?.((action) => {
    if (action === 'add-folder') void addFolderWithPicker().catch(reportError)
    if (action === 'open-library') void preloadApi()?.chooseLibrary?.().catch(reportError)
  })
  routeFromHash()
  window.addEventListener('hashchange', routeFromHash)
  const [info] = await Promise.all([
    client.call('app.info'),
    refreshStatus(),
    refreshTimeline(),
    refreshAlbums(),
  ])
  state.info = info
}

/** The native folder picker (Electron); the chosen folders become watched roots and are indexed at once. */
export async function addFolderWithPicker() {
  const pick = client.pickFolder
  if (!pick) return
  const folders = await pick()
  if (folders.length === 0) return
  const { added } = await client.call('roots.add', folders)
  notify(addedMessage(added))
  await refreshStatus()
}
