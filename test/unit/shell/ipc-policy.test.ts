import { describe, expect, it, vi } from 'vitest'
import { ContractError } from '../../../src/shared/contract'
import { toWireError } from '../../../src/shared/wire-errors'
import {
  handleCall,
  isAppUrl,
  isTrustedSender,
  outcome,
  parseNativeArgs,
  toShellError,
  type SenderInfo,
} from '../../../src/main/ipc-policy'

const ID = '0b9e6f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b'
const DEV = 'http://localhost:5173'

describe('isAppUrl', () => {
  it.each(['app://tessera/index.html', 'app://tessera/', 'app://tessera/index.html#/albums'])(
    'accepts the app page %s',
    (url) => expect(isAppUrl(url)).toBe(true),
  )

  it('accepts the dev server only when one is given, by exact origin', () => {
    expect(isAppUrl('http://localhost:5173/', DEV)).toBe(true)
    expect(isAppUrl('http://localhost:5173/index.html?x', `${DEV}/`)).toBe(true)
    expect(isAppUrl('http://localhost:5173/')).toBe(false)
    expect(isAppUrl('http://localhost:51730/', DEV)).toBe(false)
    expect(isAppUrl('http://127.0.0.1:5173/', DEV)).toBe(false)
    expect(isAppUrl('https://localhost:5173/', DEV)).toBe(false)
  })

  it.each([
    'app://tessera.evil/index.html',
    'app://tessera:8080/index.html',
    'app://user@tessera/index.html',
    'app://other/index.html',
    'https://tessera/index.html',
    'file:///index.html',
    'tessera-media://media/photo/x',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    'data:text/html,hi',
    '',
    'garbage',
  ])('refuses %s', (url) => expect(isAppUrl(url, DEV)).toBe(false))

  it('ignores a dev server URL that is not http(s)', () => {
    expect(isAppUrl('file:///x/index.html', 'file:///x/')).toBe(false)
    expect(isAppUrl('http://localhost:5173/', 'not a url')).toBe(false)
  })
})

describe('isTrustedSender', () => {
  const good: SenderInfo = { frameUrl: 'app://tessera/index.html', isMainFrame: true, isTesseraWindow: true }

  it('trusts the top frame of a Tessera window showing the app', () => {
    expect(isTrustedSender(good)).toBe(true)
    expect(isTrustedSender({ ...good, frameUrl: 'http://localhost:5173/' }, DEV)).toBe(true)
  })

  it('refuses iframes, other windows, gone frames and other pages', () => {
    expect(isTrustedSender({ ...good, isMainFrame: false })).toBe(false)
    expect(isTrustedSender({ ...good, isTesseraWindow: false })).toBe(false)
    expect(isTrustedSender({ ...good, frameUrl: null })).toBe(false)
    expect(isTrustedSender({ ...good, frameUrl: 'https://example.com/' })).toBe(false)
    expect(isTrustedSender({ ...good, frameUrl: 'http://localhost:5173/' })).toBe(false)
  })
})

describe('handleCall', () => {
  const engine = () => ({ call: vi.fn((_method: string, _args: unknown) => Promise.resolve({ answer: 42 })) })

  it('forwards a valid call and returns its result', async () => {
    const target = engine()
    expect(await handleCall(target, 'library.photo', [ID])).toEqual({ ok: true, result: { answer: 42 } })
    expect(target.call).toHaveBeenCalledWith('library.photo', [ID])
  })

  it('passes on the parsed arguments (zod defaults and trimming), not the raw ones', async () => {
    const target = engine()
    await handleCall(target, 'search.text', ['  red car  ', 10, {}])
    expect(target.call).toHaveBeenCalledWith('search.text', ['red car', 10, {}])
  })

  it.each([
    [42, [], 'bad-method'],
    [null, [], 'bad-method'],
    ['library.nope', [], 'bad-method'],
    ['__proto__', [], 'bad-method'],
    ['constructor', [], 'bad-method'],
    ['library.photo', ['../etc/passwd'], 'bad-args'],
    ['library.photo', [], 'bad-args'],
    ['library.photo', 'not a tuple', 'bad-args'],
    ['roots.add', [[]], 'bad-args'],
    ['search.similar', [ID, 10, { folder: '/x', extra: 1 }], 'bad-args'],
    ['app.info', [1], 'bad-args'],
  ])('refuses %j %j before the engine sees it (%s)', async (method, args, code) => {
    const target = engine()
    const answer = await handleCall(target, method, args)
    expect(answer).toMatchObject({ ok: false, error: { code } })
    expect(target.call).not.toHaveBeenCalled()
  })

  it('returns engine failures as values: ContractErrors keep their code, others become internal', async () => {
    const failing = (error: unknown) => ({ call: () => Promise.reject(error) })
    expect(
      await handleCall(failing(new ContractError('No such album.', 'not-found')), 'albums.list', []),
    ).toEqual({
      ok: false,
      error: { message: 'No such album.', code: 'not-found' },
    })
    const answer = await handleCall(failing(new TypeError('boom')), 'albums.list', [])
    expect(answer).toEqual({
      ok: false,
      error: { message: 'Something went wrong inside Tessera.', code: 'internal' },
    })
    expect(JSON.stringify(answer)).not.toContain('at ') // no stack crosses IPC
  })
})

describe('toShellError', () => {
  it('makes plain data of anything thrown', () => {
    expect(toShellError(new ContractError('m', 'c'))).toEqual({ message: 'm', code: 'c' })
    expect(toShellError('text')).toEqual({ message: 'text', code: 'engine-error' })
    expect(toShellError(new Error(''))).toMatchObject({ code: 'internal' })
    expect(toShellError(undefined)).toMatchObject({ code: 'internal' })
  })

  it('is the mapper the engine host and the browser-mode server use (same code for the same error)', () => {
    const lance = new Error('lance error: IO: Too many open files (os error 24)')
    expect(toShellError(lance)).toEqual(toWireError(lance))
    expect(toShellError(lance).code).toBe('busy')
    expect(toShellError(new Error('The disk is full.'))).toEqual({
      message: 'The disk is full.',
      code: 'engine-error',
    })
  })
})

describe('handleCall payload limits', () => {
  it('refuses a call larger than its method allows before validating it', async () => {
    const target = { call: vi.fn(async () => 'ok') }
    const big = 'x'.repeat(70 * 1024)
    expect(await handleCall(target, 'albums.create', [big])).toMatchObject({
      ok: false,
      error: { code: 'payload-too-large' },
    })
    expect(await handleCall(target, 'roots.add', [[`/${'p'.repeat(4000)}`]])).toMatchObject({ ok: true })
    expect(target.call).toHaveBeenCalledTimes(1)
  })
})

describe('parseNativeArgs', () => {
  it('accepts a photo id for show-in-folder and nothing for pick-folder', () => {
    expect(parseNativeArgs('showInFolder', [ID])).toEqual([ID])
    expect(parseNativeArgs('pickFolder', [])).toEqual([])
  })

  it.each([[[]], [['/etc/passwd']], [[ID, 'extra']], [[{ id: ID }]], [[42]]])(
    'refuses show-in-folder %j',
    (args) => {
      expect(() => parseNativeArgs('showInFolder', args)).toThrow(ContractError)
    },
  )

  it('refuses arguments to pick-folder (no default path or filters from the page)', () => {
    expect(() => parseNativeArgs('pickFolder', ['/home'])).toThrow(/Invalid arguments for pickFolder/)
  })
})

describe('outcome', () => {
  it('wraps results and errors', async () => {
    expect(await outcome(() => 1)).toEqual({ ok: true, result: 1 })
    expect(await outcome(() => Promise.reject(new ContractError('no', 'bad-args')))).toEqual({
      ok: false,
      error: { message: 'no', code: 'bad-args' },
    })
  })
})
