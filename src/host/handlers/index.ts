/**
 * Every method of the contract, from one module per domain: this is the one place they are combined, and
 * the type checks that together they implement the whole contract.
 */
import { albumsHandlers } from './albums.js'
import type { Handlers, HostContext } from './context.js'
import { dupesHandlers } from './dupes.js'
import { foldersHandlers } from './folders.js'
import { libraryHandlers } from './library.js'
import { mapHandlers } from './map.js'
import { modelsHandlers } from './models.js'
import { searchHandlers } from './search.js'
import { settingsHandlers } from './settings.js'
import { trainingHandlers } from './training.js'

export const DOMAINS = [
  libraryHandlers,
  searchHandlers,
  dupesHandlers,
  albumsHandlers,
  trainingHandlers,
  modelsHandlers,
  mapHandlers,
  settingsHandlers,
  foldersHandlers,
] as const

export function createHandlers(context: HostContext): Handlers {
  return {
    ...libraryHandlers(context),
    ...searchHandlers(context),
    ...dupesHandlers(context),
    ...albumsHandlers(context),
    ...trainingHandlers(context),
    ...modelsHandlers(context),
    ...mapHandlers(context),
    ...settingsHandlers(context),
    ...foldersHandlers(context),
  }
}
