import { describe, expect, it } from 'vitest'
import { hostArgs, isFromEngineHost, parseHostArgs } from '../../../src/main/engine-wire'

describe('host arguments', () => {
  it('round-trip after whatever Electron puts first', () => {
    const argv = [
      '/usr/lib/electron',
      '/app/out/main/engine-host.js',
      ...hostArgs({ libraryDir: '/lib dir' }),
    ]
    expect(parseHostArgs(argv)).toEqual({ libraryDir: '/lib dir' })
  })

  it('are required', () => {
    expect(() => parseHostArgs(['electron', 'engine-host.js'])).toThrow(/--library/)
    expect(() => parseHostArgs(['electron', '--library'])).toThrow(/--library/)
    expect(() => parseHostArgs(['electron', '--library', '--other'])).toThrow(/--library/)
  })
})

describe('isFromEngineHost', () => {
  it.each([
    { kind: 'ready' },
    { kind: 'fatal', message: 'x' },
    { kind: 'event', event: { type: 'albums' } },
    { kind: 'reply', id: 1, ok: true, result: null },
    { kind: 'media-reply', id: 2, answer: { status: 404, reason: 'x', headers: {} } },
  ])('accepts %j', (message) => expect(isFromEngineHost(message)).toBe(true))

  it.each([
    null,
    'ready',
    42,
    {},
    { kind: 'call', id: 1 },
    { kind: 'reply' },
    { kind: 'media-reply', id: '1' },
  ])('refuses %j', (message) => expect(isFromEngineHost(message)).toBe(false))
})
