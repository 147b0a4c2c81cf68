import { describe, expect, it } from 'vitest'
import { BusyError, CallGate } from '../../../src/host/call-gate'

/** A task that finishes when the test says so. */
function held<T>(value: T) {
  let release!: () => void
  const done = new Promise<void>((r) => (release = r))
  let started = false
  const task = async () => {
    started = true
    await done
    return value
  }
  return {
    task,
    release,
    get started() {
      return started
    },
  }
}

const tick = () => new Promise((r) => setImmediate(r))

describe('CallGate', () => {
  it('runs up to the limits at once, queues the next ones, refuses beyond the queue with busy', async () => {
    const gate = new CallGate({ inFlight: 3, perConnectionInFlight: 2, queue: 10, perConnectionQueue: 2 })
    const a = gate.connection()
    const tasks = Array.from({ length: 5 }, (_, i) => held(i))
    const results = tasks.map((t) => a.run(1, t.task))
    const refused = results[4]!.catch((e: unknown) => e)
    await tick()
    expect(tasks.map((t) => t.started)).toEqual([true, true, false, false, false])
    expect(await refused).toBeInstanceOf(BusyError)
    expect(await refused).toMatchObject({ code: 'busy' })
    expect(gate.stats()).toMatchObject({ running: 2, waiting: 2, refused: 1 })
    tasks[0]!.release()
    expect(await results[0]).toBe(0)
    await tick()
    expect(tasks[2]!.started).toBe(true)
    for (const t of tasks) t.release()
    expect(await Promise.all(results.slice(0, 4))).toEqual([0, 1, 2, 3])
    expect(gate.stats()).toMatchObject({ running: 0, waiting: 0, bytes: 0 })
  })

  it('lets another connection run while one is at its own limit (no head-of-line blocking)', async () => {
    const gate = new CallGate({ inFlight: 3, perConnectionInFlight: 2, queue: 100, perConnectionQueue: 50 })
    const a = gate.connection()
    const b = gate.connection()
    const aTasks = Array.from({ length: 10 }, (_, i) => held(i))
    const aResults = aTasks.map((t) => a.run(1, t.task))
    const bTask = held('b')
    const bResult = b.run(1, bTask.task)
    await tick()
    expect(bTask.started).toBe(true)
    expect(aTasks.filter((t) => t.started)).toHaveLength(2)
    bTask.release()
    expect(await bResult).toBe('b')
    for (const t of aTasks) t.release()
    expect(await Promise.all(aResults)).toHaveLength(10)
  })

  it('bounds the payload bytes held by running and waiting calls', async () => {
    const gate = new CallGate({ inFlight: 1, perConnectionInFlight: 1, bytes: 100, perConnectionBytes: 60 })
    const a = gate.connection()
    const b = gate.connection()
    const first = held(1)
    const r1 = a.run(50, first.task)
    await expect(a.run(20, async () => 2)).rejects.toMatchObject({ code: 'busy' })
    const r3 = b.run(40, async () => 3)
    await expect(b.run(20, async () => 4)).rejects.toMatchObject({ code: 'busy' })
    first.release()
    expect(await Promise.all([r1, r3])).toEqual([1, 3])
    expect(gate.stats()).toMatchObject({ bytes: 0, refused: 2 })
  })

  it('a failing task frees its slot and its error reaches the caller', async () => {
    const gate = new CallGate({ inFlight: 1, perConnectionInFlight: 1 })
    const a = gate.connection()
    const failing = a.run(1, async () => {
      throw new Error('no')
    })
    const next = a.run(1, async () => 'next')
    const throwing = a.run(1, () => {
      throw new Error('sync')
    })
    await expect(failing).rejects.toThrow('no')
    expect(await next).toBe('next')
    await expect(throwing).rejects.toThrow('sync')
    expect(gate.stats()).toMatchObject({ running: 0, waiting: 0 })
  })

  it('closing a connection drops its waiting calls (running ones finish)', async () => {
    const gate = new CallGate({ inFlight: 1, perConnectionInFlight: 1 })
    const a = gate.connection()
    const running = held('r')
    const r1 = a.run(5, running.task)
    const r2 = a.run(5, async () => 'never')
    a.close()
    await expect(r2).rejects.toMatchObject({ code: 'closed' })
    await expect(a.run(1, async () => 'late')).rejects.toMatchObject({ code: 'closed' })
    running.release()
    expect(await r1).toBe('r')
    expect(gate.stats()).toMatchObject({ running: 0, waiting: 0, bytes: 0 })
  })

  it('holds at most the queue whatever is sent: 100,000 calls at once', async () => {
    const gate = new CallGate({ inFlight: 8, perConnectionInFlight: 4, queue: 1024, perConnectionQueue: 256 })
    const a = gate.connection()
    let ran = 0
    const results = Array.from({ length: 100_000 }, () =>
      a
        .run(10, async () => {
          ran++
          await tick()
        })
        .then(
          () => 'ok',
          (e: { code?: string }) => e.code,
        ),
    )
    expect(gate.stats().waiting).toBe(256)
    const outcomes = await Promise.all(results)
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(260)
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(100_000 - 260)
    expect(ran).toBe(260)
  })
})
