import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSession, SessionError } from '../../../src/engine/embed/session.js'
import { writeTinyClipPack, type TinyClipPack } from '../../fixtures/tiny-clip.js'

let root: string
let pack: TinyClipPack
let model: string

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tessera-session-'))
  pack = await writeTinyClipPack(path.join(root, 'pack'))
  model = path.join(pack.dir, pack.manifest.visual.file)
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('createSession', () => {
  it('falls back from CUDA to the CPU with onnxruntime’s reason', async () => {
    const { session, provider, attempts } = await createSession(model, { preference: ['cuda', 'cpu'] })
    try {
      expect(provider).toBe('cpu')
      expect(attempts[0]).toMatchObject({ provider: 'cuda', ok: false })
      expect(attempts[0]!.reason).toMatch(/cuda/i)
      expect(attempts[0]!.reason).not.toBe('used')
      expect(attempts[1]).toEqual({ provider: 'cpu', ok: true, reason: 'used' })
      expect(attempts.slice(2)).toEqual([
        { provider: 'dml', ok: false, reason: 'not requested' },
        { provider: 'coreml', ok: false, reason: 'not requested' },
      ])
      expect(session.inputNames).toEqual(['pixel_values'])
    } finally {
      await session.release()
    }
  })

  it('says which providers belong to another operating system, and always ends with the CPU', async () => {
    const { session, provider, attempts } = await createSession(model, {
      preference: ['dml', 'coreml'],
      platform: 'linux',
    })
    await session.release()
    expect(provider).toBe('cpu')
    expect(attempts).toEqual([
      { provider: 'dml', ok: false, reason: 'DirectML is only available on Windows' },
      { provider: 'coreml', ok: false, reason: 'CoreML is only available on macOS' },
      { provider: 'cpu', ok: true, reason: 'used' },
      { provider: 'cuda', ok: false, reason: 'not requested' },
    ])
  })

  it('marks providers after the one used as not needed', async () => {
    const { session, attempts } = await createSession(model, { preference: ['cpu', 'cuda'] })
    await session.release()
    expect(attempts.slice(0, 2)).toEqual([
      { provider: 'cuda', ok: false, reason: expect.stringMatching(/cuda/i) },
      { provider: 'cpu', ok: true, reason: 'used' },
    ])
  })

  it('throws SessionError with every attempt when no provider can load the model', async () => {
    const broken = path.join(root, 'broken.onnx')
    await writeFile(broken, 'not a model')
    const err = await createSession(broken, { preference: ['cpu'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SessionError)
    expect((err as Error).message).toMatch(
      new RegExp(`^Cannot load ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+`),
    )
    expect((err as SessionError).attempts.find((a) => a.provider === 'cpu')?.ok).toBe(false)
  })
})
