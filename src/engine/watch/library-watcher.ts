import { watch, type FSWatcher } from 'chokidar'
import path from 'node:path'
import { isPhotoFile } from '../scan/ignore.js'
import { ODD_NAMES_IN_FOLDER } from '../scan/names.js'
import { ChangeBatcher } from './change-batcher.js'

const REPLACEMENT = '\uFFFD'
const S_IFMT = 0o170000
const S_IFDIR = 0o040000

export interface WatchOptions {
  /** Poll instead of native events: for network shares, where events do not arrive. */
  polling: boolean
  /** A file must stop growing for this long before it is read (half-copied files are not indexed). */
  stableMs?: number
  /** Changes are gathered until nothing happened for this long, then handled as one batch. */
  quietMs?: number
  /**
   * While changes keep coming, a batch still goes once its oldest change has waited this long: a long copy
   * fills the library as it goes.
   */
  maxWaitMs?: number
  pollIntervalMs?: number
}

/** Defaults: a file read once stable for 1 s; batches after 0.5 s of quiet, or every 3 s at the latest. */
export const WATCH_DEFAULTS = { stableMs: 1000, quietMs: 500, maxWaitMs: 3000 } as const

/**
 * Watches the roots and hands batches of changed paths to `onBatch`. It never indexes inline: events are
 * gathered by a ChangeBatcher (a batch after a quiet moment, or at the latest every `maxWaitMs`), so that a
 * rename (unlink + add) or a folder move arrives as one batch and can be matched by content hash. Batches
 * never overlap.
 */
export class LibraryWatcher {
  private watcher: FSWatcher | null = null
  private readonly batcher: ChangeBatcher
  private closed = false

  constructor(
    private readonly roots: readonly string[],
    private readonly ignore: (p: string) => boolean,
    private readonly options: WatchOptions,
    onBatch: (paths: string[]) => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    const stableMs = options.stableMs ?? WATCH_DEFAULTS.stableMs
    const quietMs = options.quietMs ?? WATCH_DEFAULTS.quietMs
    this.batcher = new ChangeBatcher(
      {
        quietMs,
        maxWaitMs: Math.max(quietMs, options.maxWaitMs ?? WATCH_DEFAULTS.maxWaitMs),
        // The addition of a rename comes once the new name has been stable for `stableMs`.
        renameGraceMs: stableMs + quietMs + 500,
      },
      onBatch,
      onError,
    )
  }

  async start(): Promise<void> {
    const stableMs = this.options.stableMs ?? WATCH_DEFAULTS.stableMs
    this.watcher = watch([...this.roots], {
      ignoreInitial: true,
      persistent: true,
      // The scanner follows links with loop detection; the watcher does not follow them at all, so a
      // symlink loop can never make it recurse forever.
      followSymlinks: false,
      usePolling: this.options.polling,
      interval: this.options.pollIntervalMs ?? 1000,
      binaryInterval: this.options.pollIntervalMs ?? 1000,
      // Nothing is read before it stopped growing: chokidar reports an addition or change only once the
      // file's size has not changed for `stableMs`.
      awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: Math.min(100, stableMs) },
      atomic: true,
      ignored: (p: string) => this.ignore(p),
    })
    const onFile = (p: string) => {
      if (isPhotoFile(p)) this.enqueue(p, false)
    }
    const onUnlink = (p: string) => {
      if (isPhotoFile(p)) this.enqueue(p, true)
    }
    this.watcher.on('add', onFile).on('change', onFile).on('unlink', onUnlink)
    this.watcher
      .on('unlinkDir', (p: string) => this.enqueue(p, true))
      .on('addDir', (p: string) => this.enqueue(p, false))
    // A name that is not valid UTF-8 reaches Node with replacement characters, and chokidar drops it (it
    // cannot stat that name). The raw event still tells: the scan finds the real entry in its folder.
    this.watcher.on('raw', (_event: string, name: string, details: unknown) => this.onRaw(name, details))
    this.watcher.on('error', (e) => this.onError(e))
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()))
  }

  private onRaw(name: string, details: unknown): void {
    if (typeof name !== 'string') return
    const d = details as { watchedPath?: unknown; curr?: { mode?: unknown } } | undefined
    if (typeof d?.watchedPath === 'string') {
      // Native events name the entry inside the watched folder.
      if (!name.includes(REPLACEMENT)) return
      // A photo or a folder: the scan looks at what it is (anything else it leaves alone).
      const full = path.resolve(d.watchedPath, name)
      if (!this.ignore(full)) this.enqueue(full, false)
    } else if (typeof d?.curr?.mode === 'number' && (d.curr.mode & S_IFMT) === S_IFDIR) {
      // Polling reports that a folder changed, not which entry: its odd names are looked up.
      if (!this.ignore(name)) this.enqueue(path.join(name, ODD_NAMES_IN_FOLDER), false)
    }
  }

  private enqueue(p: string, deletion: boolean): void {
    if (this.closed) return
    this.batcher.add(path.resolve(p), deletion)
  }

  /** Resolves once every change seen so far has been handled. */
  async idle(): Promise<void> {
    await this.batcher.idle()
  }

  async close(): Promise<void> {
    this.closed = true
    await this.watcher?.close()
    await this.batcher.close()
  }
}
