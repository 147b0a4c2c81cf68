import { describe, expect, it } from 'vitest'
import { CallPacer } from '../../../src/renderer/src/client/call-pacer'
import { EngineClient } from '../../../src/renderer/src/client/engine-client'
import { EngineError } from '../../../src/renderer/src/client/transport'

describe('CallPacer', () => {
  it('keeps at most maxInFlight calls outstanding and runs them all', async () => {
    const pacer = new CallPacer({ maxInFlight: 3 })
    let running = 0
    let peak = 0
    const release: Array<() => void> = []
    const calls = Array.from({ length: 10 }, (_, i) =>
      pacer.run(async () => {
        running++
        peak = Math.max(peak, running)
        await new Promise<void>((resolve) => release.push(resolve))
        running--
        return i
      }),
    )
    // Let the first three start, then release calls one by one as they arrive.
    for (let released = 0; released < 10;) {
      await new Promise((resolve) => setImmediate(resolve))
      while (release.length > 0) {
        release.shift()!()
        released++
      }
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(peak).toBe(3)
  })

  it('retries a busy answer after growing pauses, then gives up with busy', async () => {
    const slept: number[] = []
    const pacer = new CallPacer({ retryDelaysMs: [10, 20, 40], sleep: async (ms) => void slept.push(ms) })
    let tries = 0
    const flaky = () => {
      tries++
      return tries < 3
        ? Promise.reject(new EngineError('The engine is busy.', 'busy'))
        : Promise.resolve('ok')
    }
    expect(await pacer.run(flaky)).toBe('ok')
    expect(slept).toEqual([10, 20])

    slept.length = 0
    const always = () => Promise.reject(new EngineError('The engine is busy.', 'busy'))
    await expect(pacer.run(always)).rejects.toMatchObject({ code: 'busy' })
    expect(slept).toEqual([10, 20, 40])
  })

  it('does not retry other errors, and frees the slot after a failure', async () => {
    const pacer = new CallPacer({ maxInFlight: 1, sleep: async () => undefined })
    let tries = 0
    await expect(
      pacer.run(() => {
        tries++
        return Promise.reject(new EngineError('No such photo.', 'not-found'))
      }),
    ).rejects.toMatchObject({ code: 'not-found' })
    expect(tries).toBe(1)
    expect(await pacer.run(async () => 'next')).toBe('next')
  })
})

describe('EngineClient.call', () => {
  it('leaves out optional arguments left undefined (the contract refuses null for them)', async () => {
    const sent: unknown[][] = []
    const transport = {
      kind: 'websocket' as const,
      request: async (_method: string, args: unknown[]) => {
        sent.push(args)
        return { path: '/', parent: null, entries: [] }
      },
      onEvent: () => () => undefined,
      mediaUrl: () => '',
      onConnection: () => () => undefined,
    }
    const client = new EngineClient(transport)
    await client.call('fs.browse', undefined)
    await client.call('fs.browse', '/home')
    expect(sent).toEqual([[], ['/home']])
  })
})
