import { BrowserWindow, nativeTheme } from 'electron'
import { secureWebPreferences } from './security'

/** Matches `--bg` in the renderer's stylesheet, so the window does not flash before the page paints. */
const BACKGROUND = { light: '#f6f4ef', dark: '#15161a' } as const

export interface MainWindowOptions {
  /** Absolute path of the built preload script (`out/preload/index.cjs`). */
  preloadPath: string
  /** What to load: the `app://` entry in production, the Vite dev server in development. */
  url: string
}

/** Creates Tessera's main window; it is shown once its first frame is ready. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 640,
    minHeight: 480,
    title: 'Tessera',
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(options.preloadPath),
  })
  window.once('ready-to-show', () => window.show())
  window
    .loadURL(options.url)
    .catch((error: unknown) => console.error(`Could not load ${options.url}:`, error))
  return window
}
