import { watch, type FSWatcher } from 'chokidar'
import path from 'node:path'
import { isPhotoFile } from '../scan/ignore.js'

export interface WatchOptions {
  /** Poll instead of native events: for network shares, where events do not arrive. */
  polling: boolean
  /** A file must stop growing for this long before it is read (half-copied files are not indexed). */
  stableMs?: number
  /** Changes are gathered until nothing happened for this long, then handled as one batch. */
  quietMs?: number
  pollIntervalMs?: number
}

/**
 * Watches the roots and hands batches of changed paths to `onBatch`. It never indexes inline: events
 * are gathered and debounced, so that a rename (unlink + add) or a folder move arrives as one batch and
 * can be matched by content hash. Batches never overlap.
 */
export class LibraryWatcher {
  private watcher: FSWatcher | null = null
  private pending = new Set<string>()
  /** When the youngest deletion was seen: a batch waits for the matching add of a rename (see enqueue). */
  private lastUnlink = 0
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> = Promise.resolve()
  private closed = false

  constructor(
    private readonly roots: readonly string[],
    private readonly ignore: (p: string) => boolean,
    private readonly options: WatchOptions,
    private readonly onBatch: (paths: string[]) => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const stableMs = this.options.stableMs ?? 1000
    this.watcher = watch([...this.roots], {
      ignoreInitial: true,
      persistent: true,
      // The scanner follows links with loop detection; the watcher does not follow them at all, so a
      // symlink loop can never make it recurse forever.
      followSymlinks: false,
      usePolling: this.options.polling,
      interval: this.options.pollIntervalMs ?? 1000,
      binaryInterval: this.options.pollIntervalMs ?? 1000,
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
    this.watcher.on('error', (e) => this.onError(e))
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()))
  }

  /**
   * A rename or move arrives as a deletion now and an addition only once the new name has been stable
   * for `stableMs` (awaitWriteFinish). A batch holding a deletion therefore waits that long, so both
   * halves are handled together and the file keeps its identity (matched by content hash).
   */
  private enqueue(p: string, deletion: boolean): void {
    if (this.closed) return
    this.pending.add(path.resolve(p))
    const now = Date.now()
    if (deletion) this.lastUnlink = now
    const quiet = this.options.quietMs ?? 500
    const grace = (this.options.stableMs ?? 1000) + quiet + 500
    const delay = Math.max(quiet, this.lastUnlink + grace - now)
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.flush(), delay)
  }

  private flush(): void {
    this.timer = null
    const batch = [...this.pending]
    this.pending.clear()
    if (batch.length === 0) return
    this.running = this.running.then(() => this.onBatch(batch)).catch((e) => this.onError(e))
  }

  /** Resolves once every change seen so far has been handled. */
  async idle(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer)
      this.flush()
    }
    await this.running
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    await this.watcher?.close()
    await this.running
  }
}
