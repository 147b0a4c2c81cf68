/**
 * The application menu, as a pure template (unit-tested): File › Add Folder… asks the focused window's
 * renderer to run its add-folder flow (picker, then `roots.add`), so the menu and the button behave the same.
 * Reload and the developer tools exist only in development.
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { MenuAction } from '../preload/api'
import { isAllowedExternalUrl } from './security'

export interface MenuOptions {
  appName: string
  platform: NodeJS.Platform
  /** `electron-vite dev`: adds Reload and Toggle Developer Tools. */
  dev: boolean
  /** Sends a menu action to the focused Tessera window. */
  send: (action: MenuAction) => void
  /** `shell.openExternal`; only called with URLs `isAllowedExternalUrl` accepts. */
  openExternal: (url: string) => void
  /** The project's web page (package.json `homepage`); no Help link without one. */
  projectUrl?: string
}

export function menuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = []
  if (mac) {
    template.push({
      label: options.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    })
  }
  template.push(
    {
      label: 'File',
      submenu: [
        { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: () => options.send('add-folder') },
        { label: 'Open Another Library…', click: () => options.send('open-library') },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(options.dev
          ? ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const)
          : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  )
  const url = options.projectUrl
  const help: MenuItemConstructorOptions[] = []
  if (url && isAllowedExternalUrl(url)) {
    help.push({ label: `${options.appName} on the Web`, click: () => options.openExternal(url) })
  }
  if (!mac) help.push({ role: 'about' })
  template.push({ role: 'help', submenu: help })
  return template
}
