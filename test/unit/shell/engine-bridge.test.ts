import { afterEach, describe, expect, it, vi } from 'vitest'
import { ContractError, type EngineEvent } from '../../../src/shared/contract'
import { EngineBridge, type EngineProcess } from '../../../src/main/engine-bridge'
import type { ToEngineHost } from '../../../src/main/engine-wire'
import type { EngineStatus } from '../../../src/preload/api'

/** A scripted engine process: records what main posts, lets the test answer and crash it. */
class FakeProcess implements EngineProcess {
  readonly posted: ToEngineHost[] = []
  killed = false
  private message: (message: unknown) => void = () => {}
  private exit: (code: number) => void = () => {}
  postMessage(message: ToEngineHost): void {
    this.posted.push(message)
  }
  onMessage(listener: (message: unknown) => void): void {
    this.message = listener
  }
  onExit(listener: (code: number) => void): void {
    this.exit = listener
  }
  kill(): void {
    this.killed = true
    this.exit(-1)
  }
  send(message: unknown): void {
    this.message(message)
  }
  crash(code = 1): void {
    this.exit(code)
  }
  /** The id of the last call or media request main posted. */
  lastId(): number {
    const last = this.posted.at(-1)
    if (!last || last.kind === 'close') throw new Error('nothing to answer')
    return last.id
  }
}

function setup(options: { quickTimeoutMs?: number; closeTimeoutMs?: number } = {}) {
  const processes: FakeProcess[] = []
  const events: EngineEvent[] = []
  const statuses: EngineStatus[] = []
  const bridge = new EngineBridge({
    spawn: () => {
      const p = new FakeProcess()
      processes.push(p)
      return p
    },
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    warn: () => {},
    ...options,
  })
  bridge.start()
  const current = () => processes.at(-1) as FakeProcess
  return { bridge, processes, events, statuses, current }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('EngineBridge', () => {
  it('correlates replies with calls, whatever their order', async () => {
    const { bridge, current } = setup()
    const a = bridge.call('albums.list', [])
    const first = current().lastId()
    const b = bridge.call('heads.list', [])
    const second = current().lastId()
    expect(current().posted).toEqual([
      { kind: 'call', id: first, method: 'albums.list', args: [] },
      { kind: 'call', id: second, method: 'heads.list', args: [] },
    ])
    current().send({ kind: 'reply', id: second, ok: true, result: ['heads'] })
    current().send({ kind: 'reply', id: first, ok: true, result: ['albums'] })
    expect(await a).toEqual(['albums'])
    expect(await b).toEqual(['heads'])
  })

  it('rejects with the engine error as a ContractError', async () => {
    const { bridge, current } = setup()
    const call = bridge.call('albums.create', ['x'])
    current().send({
      kind: 'reply',
      id: current().lastId(),
      ok: false,
      error: { message: 'An album named x exists.', code: 'exists' },
    })
    await expect(call).rejects.toMatchObject({ name: 'ContractError', code: 'exists' })
  })

  it('forwards events in order and ignores messages of unknown shape', () => {
    const { current, events } = setup()
    current().send({ kind: 'event', event: { type: 'albums' } })
    current().send({ kind: 'nonsense' })
    current().send(null)
    current().send({ kind: 'reply' }) // no id
    current().send({ kind: 'event', event: { type: 'library', version: 2 } })
    expect(events).toEqual([{ type: 'albums' }, { type: 'library', version: 2 }])
  })

  it('times out quick calls only', async () => {
    vi.useFakeTimers()
    const { bridge, current } = setup({ quickTimeoutMs: 1000 })
    const quick = bridge.call('library.status', [])
    const quickId = current().lastId()
    const long = bridge.call('dupes.find', ['normal', false])
    const longId = current().lastId()
    const quickResult = expect(quick).rejects.toMatchObject({ code: 'timeout' })
    await vi.advanceTimersByTimeAsync(60_000)
    await quickResult
    current().send({ kind: 'reply', id: quickId, ok: true, result: 'late' }) // ignored
    current().send({ kind: 'reply', id: longId, ok: true, result: [] })
    expect(await long).toEqual([])
  })

  it('answers media requests with the engine host’s answer', async () => {
    const { bridge, current } = setup()
    const media = bridge.media('thumb', 'abc')
    expect(current().posted.at(-1)).toMatchObject({ kind: 'media', mediaKind: 'thumb', target: 'abc' })
    const answer = { status: 404, reason: 'No such photo.', headers: {} }
    current().send({ kind: 'media-reply', id: current().lastId(), answer })
    expect(await media).toEqual(answer)
  })

  it('restarts once after a crash, failing the calls in flight, then fails for good', async () => {
    const { bridge, processes, current, statuses } = setup()
    current().send({ kind: 'ready' })
    const inFlight = bridge.call('dupes.find', ['normal', false])
    current().send({ kind: 'fatal', message: 'The engine stopped: out of memory' })
    current().crash(1)
    await expect(inFlight).rejects.toMatchObject({ code: 'engine-crashed', message: /out of memory/ })
    expect(processes).toHaveLength(2)
    expect(statuses).toEqual([
      { state: 'restarting', message: expect.stringMatching(/out of memory.*Restarting/) },
    ])

    current().send({ kind: 'ready' })
    expect(statuses.at(-1)).toEqual({ state: 'running', message: null })
    const after = bridge.call('albums.list', [])
    current().send({ kind: 'reply', id: current().lastId(), ok: true, result: [] })
    expect(await after).toEqual([])

    current().crash(9)
    expect(processes).toHaveLength(2) // no second restart
    expect(statuses.at(-1)).toEqual({
      state: 'failed',
      message: expect.stringMatching(/exit code 9.*Restart Tessera/),
    })
    await expect(bridge.call('albums.list', [])).rejects.toMatchObject({ code: 'engine-unavailable' })
    expect(bridge.status.state).toBe('failed')
  })

  it('does not restart an engine that never opened its library, and says why', async () => {
    const { bridge, processes, current, statuses } = setup()
    const call = bridge.call('app.info', [])
    current().send({ kind: 'fatal', message: 'The library at /x could not be opened: EACCES' })
    current().crash(1)
    await expect(call).rejects.toBeInstanceOf(ContractError)
    expect(processes).toHaveLength(1)
    expect(statuses).toEqual([
      { state: 'failed', message: expect.stringMatching(/could not be opened: EACCES/) },
    ])
  })

  it('closes politely, and kills an engine that does not exit in time', async () => {
    vi.useFakeTimers()
    const polite = setup()
    const pending = polite.bridge.call('dupes.find', ['loose', true])
    const closed = polite.bridge.close()
    await expect(pending).rejects.toMatchObject({ code: 'engine-unavailable' })
    expect(polite.current().posted.at(-1)).toEqual({ kind: 'close' })
    polite.current().crash(0) // the host exits after closing the library
    await closed
    expect(polite.processes).toHaveLength(1) // an exit while closing is no crash
    expect(polite.current().killed).toBe(false)
    await expect(polite.bridge.call('albums.list', [])).rejects.toMatchObject({ code: 'engine-unavailable' })
    expect(polite.bridge.close()).toBe(closed)

    const stuck = setup({ closeTimeoutMs: 500 })
    const closing = stuck.bridge.close()
    await vi.advanceTimersByTimeAsync(500)
    await closing
    expect(stuck.current().killed).toBe(true)
  })

  it('fails a call whose message cannot be posted', async () => {
    const { bridge, current } = setup()
    vi.spyOn(current(), 'postMessage').mockImplementation(() => {
      throw new Error('port closed')
    })
    await expect(bridge.call('albums.list', [])).rejects.toMatchObject({
      code: 'engine-unavailable',
      message: /port closed/,
    })
  })
})
