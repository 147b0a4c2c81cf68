import type { EngineEvent } from '../shared/contract.js'
import type { Engine } from '../engine/engine.js'

/** The host's events to the interface: every domain emits through this one hub. */
export class HostEvents {
  private readonly listeners = new Set<(event: EngineEvent) => void>()
  /** When the interface was last told the library changed (ms since the epoch). */
  private lastLibraryEvent = 0

  constructor(private readonly engine: Pick<Engine, 'store'>) {}

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // A listener (a closed socket) failing must not stop the others.
      }
    }
  }

  /** Tells the interface the library changed: photos added, changed, trashed or restored. */
  async libraryChanged(): Promise<void> {
    this.lastLibraryEvent = Date.now()
    this.emit({ type: 'library', version: await this.engine.store.version() })
  }

  /** The same, unless the interface was told less than `everyMs` ago (while indexing). */
  libraryChangedAtMost(everyMs: number): void {
    if (Date.now() - this.lastLibraryEvent > everyMs) this.libraryChanged().catch(() => undefined)
  }
}
