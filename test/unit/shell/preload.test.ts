import { EventEmitter } from 'node:events'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { TesseraShellApi } from '../../../src/preload/api'

// The preload with Electron replaced: what it exposes, and what it passes to the page.
const exposed = new Map<string, unknown>()
const renderer = Object.assign(new EventEmitter(), {
  invoke: vi.fn((..._args: unknown[]): Promise<unknown> => Promise.resolve(undefined)),
})

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: renderer,
}))

let api: TesseraShellApi

beforeAll(async () => {
  await import('../../../src/preload/index')
  api = exposed.get('tessera') as TesseraShellApi
})

const ID = '0b9e6f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b'

describe('preload', () => {
  it('exposes one frozen object of named functions and plain values', () => {
    expect([...exposed.keys()]).toEqual(['tessera'])
    expect(Object.isFrozen(api)).toBe(true)
    expect(Object.isFrozen(api.versions)).toBe(true)
    expect(Object.keys(api).sort()).toEqual(
      [
        'call',
        'chooseLibrary',
        'mediaUrl',
        'onEngineStatus',
        'onEvent',
        'onMenu',
        'pickFolder',
        'platform',
        'showInFolder',
        'versions',
      ].sort(),
    )
  })

  it('forwards calls to main and refuses a non-string method itself', async () => {
    renderer.invoke.mockResolvedValueOnce({ ok: true, result: 1 })
    expect(await api.call('albums.list', [])).toEqual({ ok: true, result: 1 })
    expect(renderer.invoke).toHaveBeenLastCalledWith('tessera:call', 'albums.list', [])
    renderer.invoke.mockClear()
    expect(await api.call(42 as unknown as 'albums.list', [])).toMatchObject({
      ok: false,
      error: { code: 'bad-method' },
    })
    expect(renderer.invoke).not.toHaveBeenCalled()
  })

  it('hands listeners the payload only, and unsubscribes', () => {
    const listener = vi.fn()
    const off = api.onEvent(listener)
    renderer.emit('tessera:event', { sender: 'the IpcRendererEvent' }, { type: 'albums' })
    expect(listener.mock.calls).toEqual([[{ type: 'albums' }]])
    off()
    renderer.emit('tessera:event', {}, { type: 'albums' })
    expect(listener).toHaveBeenCalledTimes(1)
    expect(renderer.listenerCount('tessera:event')).toBe(0)
    expect(() => api.onEvent('nope' as unknown as () => void)).toThrow(TypeError)
  })

  it('passes on known menu actions only', () => {
    const listener = vi.fn()
    const off = api.onMenu(listener)
    renderer.emit('tessera:menu', {}, 'add-folder')
    renderer.emit('tessera:menu', {}, 'format-disk')
    expect(listener.mock.calls).toEqual([['add-folder']])
    off()
  })

  it('unwraps the native helpers: results come back, errors reject with main’s message', async () => {
    renderer.invoke.mockResolvedValueOnce({ ok: true, result: ['/photos'] })
    expect(await api.pickFolder()).toEqual(['/photos'])
    expect(renderer.invoke).toHaveBeenLastCalledWith('tessera:pick-folder')
    renderer.invoke.mockResolvedValueOnce({
      ok: false,
      error: { message: 'No such photo.', code: 'not-found' },
    })
    await expect(api.showInFolder(ID)).rejects.toThrow('No such photo.')
    expect(renderer.invoke).toHaveBeenLastCalledWith('tessera:show-in-folder', ID)
  })

  it('builds media URLs', () => {
    expect(api.mediaUrl('thumb', ID)).toBe(`tessera-media://media/thumb/${ID}`)
    expect(() => api.mediaUrl('file' as 'thumb', ID)).toThrow(TypeError)
  })
})
