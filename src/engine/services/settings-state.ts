import type { LibrarySettings } from '../library/settings.js'
import type { SettingsPort } from '../ports.js'

/** The library's settings held in memory; `save` writes them (settings.json in the real engine). */
export class SettingsState implements SettingsPort {
  constructor(
    private value: LibrarySettings,
    private readonly save: (settings: LibrarySettings) => Promise<void>,
  ) {}

  get(): LibrarySettings {
    return this.value
  }

  async update(patch: Partial<LibrarySettings>): Promise<void> {
    const next = { ...this.value, ...patch }
    await this.save(next)
    this.value = next
  }

  assume(patch: Partial<LibrarySettings>): void {
    this.value = { ...this.value, ...patch }
  }
}
