/**
 * Every IPC channel between the preload and main, named once. Pure constants: the sandboxed preload and
 * main both import them.
 */
export const CHANNELS = {
  /** renderer → main (invoke): one contract call, answered with a `CallOutcome`. */
  call: 'tessera:call',
  /** main → renderer: an `EngineEvent`. */
  event: 'tessera:event',
  /** main → renderer: the engine process stopped, restarted or failed for good (`EngineStatus`). */
  engineStatus: 'tessera:engine-status',
  /** main → renderer: a menu item the renderer acts on (`MenuAction`). */
  menu: 'tessera:menu',
  /** renderer → main (invoke): the native folder picker; answers the chosen folders. */
  pickFolder: 'tessera:pick-folder',
  /** renderer → main (invoke): reveal a photo's file in the system file manager. */
  showInFolder: 'tessera:show-in-folder',
  /** renderer → main (invoke): pick another library folder; the app restarts on it. Answers false if cancelled. */
  chooseLibrary: 'tessera:choose-library',
} as const

/** What a menu item can ask the renderer to do. */
export const MENU_ACTIONS = ['add-folder', 'open-library'] as const
