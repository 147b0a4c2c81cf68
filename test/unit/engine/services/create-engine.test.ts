import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { environmentFrom, nodeAdapters } from '../../../../src/engine/adapters/node-adapters.js'
import { fakeWorld, photoSet, type FakeWorld } from './fakes.js'

let world: FakeWorld
afterEach(async () => {
  await world?.cleanup()
})

describe('createEngine (the composition root)', () => {
  it('a writer takes the lock and settles the trash first; a read-only engine does neither', async () => {
    world = await fakeWorld()
    const reader = await world.open({ readOnly: true })
    await expect(fs.stat(reader.layout.lock)).rejects.toThrow()
    expect(world.trash.recovered).toBe(0)
    const writer = await world.open()
    expect(JSON.parse(await fs.readFile(writer.layout.lock, 'utf8'))).toMatchObject({ pid: process.pid })
    expect(world.trash.recovered).toBe(1)
    expect((await reader.status()).library).toBe(writer.layout.dir)
  })

  it('passes the mirror from the environment adapter, unless the config names one', async () => {
    world = await fakeWorld()
    await world.write(photoSet(['red'], 1))
    const fromEnv = await world.open()
    await fromEnv.featureExtractor()
    expect(world.extractors.calls.at(-1)?.mirror).toBe('/mirror/from/env')
    await fromEnv.close()
    const fromConfig = await world.open({ modelMirror: '/mirror/from/config', providers: ['cpu'] })
    await fromConfig.featureExtractor()
    expect(world.extractors.calls.at(-1)).toMatchObject({ mirror: '/mirror/from/config', providers: ['cpu'] })
  })

  it('closes what it opened and releases the lock', async () => {
    world = await fakeWorld()
    await world.write(photoSet(['red', 'blue'], 2))
    const engine = await world.open()
    await engine.index([world.photosDir])
    await engine.close()
    expect(world.matmuls.every((m) => m.closed)).toBe(true)
    const opened = world.extractors.opened[0]!
    expect(opened.ok && (opened.extractor as unknown as { closed: boolean }).closed).toBe(true)
    // The lock is free again.
    const again = await world.open()
    expect((await again.status()).photos).toBe(4)
  })
})

describe('node adapters (the only reader of the environment)', () => {
  it('reads the mirror and the trash folder from the record given, blank meaning unset', () => {
    expect(environmentFrom({ TESSERA_MODEL_MIRROR: ' /m ', TESSERA_TRASH_DIR: '/t' })).toEqual({
      modelMirror: '/m',
      trashDir: '/t',
    })
    expect(environmentFrom({ TESSERA_MODEL_MIRROR: '  ', TESSERA_TRASH_DIR: '' })).toEqual({
      modelMirror: undefined,
      trashDir: undefined,
    })
    expect(nodeAdapters({ TESSERA_MODEL_MIRROR: '/x' }).env.modelMirror).toBe('/x')
  })

  it('its trash moves files into $TESSERA_TRASH_DIR as given in the record, and undoes that', async () => {
    world = await fakeWorld()
    const [file] = await world.write({ 'a.jpg': 'red 1' })
    const trashDir = path.join(world.dir, 'bin')
    const trash = nodeAdapters({ TESSERA_TRASH_DIR: trashDir }).trash({
      libraryDir: world.libraryDir,
      now: () => new Date('2026-01-01T00:00:00Z'),
    })
    const result = await trash.trashFiles([file!])
    expect(result.moved).toHaveLength(1)
    expect(result.moved[0]!.trashPath!.startsWith(trashDir)).toBe(true)
    await expect(fs.stat(file!)).rejects.toThrow()
    expect((await trash.undoLast()).restored).toEqual([file])
    expect(await fs.readFile(file!, 'utf8')).toBe('red 1')
  })
})
