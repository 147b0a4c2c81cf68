import type { Engine } from '../../../src/engine/engine.js'
import type { EngineServiceOptions, HostContext } from '../../../src/host/handlers/context.js'
import { JobRunner } from '../../../src/host/jobs/job-runner.js'
import type { EngineEvent } from '../../../src/shared/contract.js'

/**
 * A fake that only has what the test gives it: reading any other member throws, so a handler reaching
 * for something the test did not expect fails loudly instead of getting `undefined`.
 */
export function strict<T extends object>(name: string, given: Partial<T>): T {
  return new Proxy(given, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target]
      // Promise resolution and vitest's printing probe these; they are not the handler's calls.
      if (key === 'then' || typeof key === 'symbol' || key === 'toJSON') return undefined
      throw new Error(`${name}.${String(key)} was not expected`)
    },
  }) as T
}

export function deferred<T>(): {
  promise: Promise<T>
  resolve: (v: T) => void
  reject: (e: unknown) => void
} {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

/** Runs every pending microtask (no clock involved). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** A host context on a fake engine, with the real job runner and an event log. */
export function fakeContext(engine: Partial<Engine>, parts: Partial<HostContext> = {}) {
  const emitted: EngineEvent[] = []
  const jobs = new JobRunner()
  const context = strict<HostContext>('context', {
    engine: strict<Engine>('engine', engine),
    options: { libraryDir: '/lib', mode: 'browser' } satisfies EngineServiceOptions,
    jobs,
    events: strict<HostContext['events']>('events', {
      emit: (event) => void emitted.push(event),
      libraryChanged: async () => void emitted.push({ type: 'library', version: 0 }),
    }),
    ...parts,
  })
  return { context, emitted, jobs }
}
