import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { menuTemplate, type MenuOptions } from '../../../src/main/menu'

function build(overrides: Partial<MenuOptions> = {}) {
  const send = vi.fn()
  const openExternal = vi.fn()
  const template = menuTemplate({
    appName: 'Tessera',
    platform: 'linux',
    dev: false,
    send,
    openExternal,
    ...overrides,
  })
  return { template, send, openExternal }
}

/** Every item, submenus flattened. */
function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])])
}

const roles = (template: MenuItemConstructorOptions[]) => items(template).map((item) => item.role)
const byLabel = (template: MenuItemConstructorOptions[], label: string) =>
  items(template).find((item) => item.label === label)

describe('menuTemplate', () => {
  it('File › Add Folder… asks the renderer, Quit quits', () => {
    const { template, send } = build()
    const add = byLabel(template, 'Add Folder…')
    expect(add?.accelerator).toBe('CmdOrCtrl+O')
    ;(add?.click as () => void)()
    expect(send).toHaveBeenCalledWith('add-folder')
    expect(roles(template)).toContain('quit')
    expect(roles(template)).toContain('editMenu')
  })

  it('has reload and developer tools in development only', () => {
    expect(roles(build().template)).not.toContain('reload')
    expect(roles(build().template)).not.toContain('toggleDevTools')
    expect(roles(build({ dev: true }).template)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']))
    expect(roles(build().template)).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom']))
  })

  it('links to the project page only when it is an allowed http(s) URL', () => {
    const { template, openExternal } = build({ projectUrl: 'https://example.org/tessera' })
    ;(byLabel(template, 'Tessera on the Web')?.click as () => void)()
    expect(openExternal).toHaveBeenCalledWith('https://example.org/tessera')
    expect(byLabel(build().template, 'Tessera on the Web')).toBeUndefined()
    expect(
      byLabel(build({ projectUrl: 'file:///etc/passwd' }).template, 'Tessera on the Web'),
    ).toBeUndefined()
  })

  it('puts About and Quit in the app menu on macOS', () => {
    const { template } = build({ platform: 'darwin' })
    expect(template[0]?.label).toBe('Tessera')
    expect(roles(template)).toEqual(expect.arrayContaining(['about', 'quit', 'close']))
  })
})
