import { describe, expect, it } from 'vitest'
import type { Engine } from '../../../src/engine/engine.js'
import type { TrainReport } from '../../../src/host/engine-types.js'
import type { HostContext } from '../../../src/host/handlers/context.js'
import { mapHandlers } from '../../../src/host/handlers/map.js'
import { modelsHandlers } from '../../../src/host/handlers/models.js'
import { trainingHandlers } from '../../../src/host/handlers/training.js'
import { deferred, fakeContext, settle, strict } from './fakes.js'

type TrainCall = NonNullable<Parameters<Engine['train']>[0]>

const report = {
  before: { 'mP@5': 0.5 },
  after: { 'mP@5': 0.75 },
  epochs: 3,
  seconds: 1.5,
  headVersion: 'h2',
  albums: 2,
  trainPhotos: 10,
  heldOutPhotos: 6,
} as unknown as TrainReport

describe('training domain', () => {
  function setup() {
    const calls: TrainCall[] = []
    const end = deferred<TrainReport>()
    const { context, emitted, jobs } = fakeContext({
      train: (options) => {
        calls.push(options!)
        return end.promise
      },
    })
    return { handlers: trainingHandlers(context), calls, end, emitted, jobs }
  }

  it('runs one training job at a time and reports its epochs, then the result', async () => {
    const { handlers, calls, end, emitted } = setup()
    expect(await handlers['train.start']({ epochs: 3 })).toEqual({ started: true })
    expect(await handlers['train.start']({ epochs: 3 })).toEqual({ started: false })
    await settle()
    expect(calls).toHaveLength(1)
    expect(calls[0]!.epochs).toBe(3)
    calls[0]!.onProgress!({ epoch: 1, epochs: 3, loss: 2, accuracy: 0.4 } as never)
    end.resolve(report)
    await settle()
    expect(emitted).toEqual([
      { type: 'train', state: { phase: 'running', epoch: 1, epochs: 3, loss: 2, accuracy: 0.4 } },
      {
        type: 'train',
        state: {
          phase: 'done',
          accepted: false,
          continuous: false,
          result: {
            before: 0.5,
            after: 0.75,
            epochs: 3,
            seconds: 1.5,
            headVersion: 'h2',
            albums: 2,
            trainPhotos: 10,
            heldOutPhotos: 6,
          },
        },
      },
    ])
    expect(await handlers['train.cancel']()).toEqual({ cancelled: false })
  })

  it('cancels through the signal the engine was given', async () => {
    const { handlers, calls, end, emitted } = setup()
    await handlers['train.start']({})
    await settle()
    expect(await handlers['train.cancel']()).toEqual({ cancelled: true })
    expect(calls[0]!.signal!.aborted).toBe(true)
    end.reject(new Error('aborted'))
    await settle()
    expect(emitted).toEqual([{ type: 'train', state: { phase: 'cancelled' } }])
  })

  it('reports a failure with its reason', async () => {
    const { handlers, end, emitted } = setup()
    await handlers['train.start']({})
    await settle()
    end.reject(new Error('Training needs at least 2 albums with indexed photos; there is 1.'))
    await settle()
    expect(emitted).toEqual([
      {
        type: 'train',
        state: {
          phase: 'failed',
          error: 'Training needs at least 2 albums with indexed photos; there is 1.',
        },
      },
    ])
  })
})

describe('models domain', () => {
  it('downloads a catalog pack as one job per pack, reporting bytes, and refuses unknown packs', async () => {
    const calls: Array<{ id: string; onProgress?: (d: number, t: number) => void; signal?: AbortSignal }> = []
    const ends: Array<ReturnType<typeof deferred<never>>> = []
    const { context, emitted, jobs } = fakeContext({
      downloadModel: (id, onProgress, signal) => {
        calls.push({ id, onProgress, signal })
        const end = deferred<never>()
        ends.push(end)
        return end.promise
      },
    })
    const handlers = modelsHandlers(context)
    await expect(handlers['models.download']('no-such-pack')).rejects.toMatchObject({ code: 'not-found' })
    const { CATALOG } = await import('../../../src/engine/models/catalog.js')
    const id = CATALOG[0]!.id
    expect(await handlers['models.download'](id)).toEqual({ started: true })
    expect(await handlers['models.download'](id)).toEqual({ started: false })
    await settle()
    calls[0]!.onProgress!(10, 100)
    ends[0]!.reject(new Error('The download was cut off.'))
    await settle()
    expect(emitted).toEqual([
      { type: 'download', id, state: { phase: 'running', done: 10, total: 100 } },
      { type: 'download', id, state: { phase: 'failed', error: 'The download was cut off.' } },
    ])
    // The host closing stops a download through its signal.
    expect(await handlers['models.download'](id)).toEqual({ started: true })
    await settle()
    jobs.cancelAll()
    expect(calls[1]!.signal!.aborted).toBe(true)
  })
})

describe('map domain', () => {
  it('shares one layout between callers and reports its failure once', async () => {
    const query = deferred<never>()
    let queries = 0
    const { context, emitted } = fakeContext(
      {
        store: {
          query: () => {
            queries++
            return query.promise
          },
        } as unknown as Engine['store'],
        settings: { activeHead: null } as unknown as Engine['settings'],
      },
      // Never reached: the store fails first.
      { caches: strict<HostContext['caches']>('caches', {}) },
    )
    const handlers = mapHandlers(context)
    const a = handlers['map.layout']()
    const b = handlers['map.layout']()
    const failure = new Error('The store is closed.')
    query.reject(failure)
    await expect(a).rejects.toBe(failure)
    await expect(b).rejects.toBe(failure)
    expect(queries).toBe(1)
    expect(emitted).toEqual([{ type: 'map', phase: 'failed', progress: 0, error: 'The store is closed.' }])
  })
})
