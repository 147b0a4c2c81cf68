/**
 * One folder policy on every front: relative, system, root and library folders are refused by the CLI
 * (`tessera roots add`, `tessera index`), by main's IPC call handler in front of the engine host, and over
 * the browser-mode WebSocket, all with the same codes, since all of them reach `LibraryService.addRoots`.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { EngineService } from '../../../src/host/engine-service.js'
import { handleCall } from '../../../src/main/ipc-policy.js'
import { startServer, type RunningServer } from '../../../src/server/server.js'
import type { ReplyMessage } from '../../../src/shared/contract.js'
import { runCli, tempDir } from '../support.js'

let base: string
let library: string
let photos: string
let service: EngineService
let server: RunningServer

/** Folder given → the code every front must answer. */
const refusals = (): Array<[string, string]> => [
  ['../..', 'relative-path'],
  ['photos', 'relative-path'],
  ['.', 'relative-path'],
  ['/etc', 'system-folder'],
  ['/proc', 'system-folder'],
  ['/usr/share', 'system-folder'],
  [path.join(base, 'etc-link'), 'system-folder'],
  ['/', 'needs-confirmation'],
  [os.homedir(), 'needs-confirmation'],
  [library, 'library-folder'],
  [path.join(library, 'thumbs'), 'library-folder'],
  [path.join(base, 'missing'), 'not-found'],
]

beforeAll(async () => {
  base = await fs.realpath(await tempDir('folders'))
  library = path.join(base, 'library')
  photos = path.join(base, 'photos')
  await fs.mkdir(photos)
  await fs.symlink('/etc', path.join(base, 'etc-link'))
  const renderer = path.join(base, 'renderer')
  await fs.mkdir(renderer)
  await fs.writeFile(path.join(renderer, 'index.html'), '<!doctype html><head></head>')
  service = await EngineService.open({
    libraryDir: library,
    mode: 'browser',
    native: { pickFolder: false, showInFolder: false },
    autoIndex: false,
  })
  await fs.mkdir(path.join(library, 'thumbs'), { recursive: true })
  server = await startServer({ service, rendererDir: renderer, internalDirs: [library] })
})

afterAll(async () => {
  await server?.close()
  await service?.close()
  await fs.rm(base, { recursive: true, force: true })
})

describe('roots.add over the WebSocket', () => {
  it('refuses relative, system, root, home and library folders with their codes; nothing is added', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, {
      origin: `http://127.0.0.1:${server.port}`,
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const replies = new Map<number, ReplyMessage>()
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ReplyMessage
      if (m.kind === 'reply') replies.set(m.id, m)
    })
    const call = async (id: number, args: unknown): Promise<ReplyMessage> => {
      ws.send(JSON.stringify({ kind: 'call', id, method: 'roots.add', args }))
      const until = Date.now() + 30_000
      while (!replies.has(id) && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
      return replies.get(id)!
    }
    let id = 0
    for (const [folder, code] of refusals()) {
      const reply = await call(++id, [[folder]])
      expect(reply, folder).toMatchObject({ ok: false, error: { code } })
      if (!reply.ok) {
        expect(reply.error.message).toContain(folder) // the path the user gave, and only that
        expect(reply.error.message).not.toMatch(/\bat \S+ \(|lance|ENOENT|errno/)
      }
    }
    // One refused folder refuses the whole call.
    expect(await call(id + 1, [[photos, '/etc']])).toMatchObject({
      ok: false,
      error: { code: 'system-folder' },
    })
    expect((await service.call('library.status', [])).roots).toEqual([])
    ws.terminate()
  })
})

describe('roots.add through main’s IPC handler (validation in front of the engine host)', () => {
  it('answers the same codes as values', async () => {
    for (const [folder, code] of refusals()) {
      const answer = await handleCall(service, 'roots.add', [[folder]])
      expect(answer, folder).toMatchObject({ ok: false, error: { code } })
    }
    expect(await handleCall(service, 'roots.add', [['/'], { confirm: 'yes' }])).toMatchObject({
      ok: false,
      error: { code: 'bad-args' },
    })
    expect((await service.call('library.status', [])).roots).toEqual([])
  })

  it('adds an absolute folder by its real path, also through a link', async () => {
    await fs.symlink(photos, path.join(base, 'photos-link'))
    expect(await handleCall(service, 'roots.add', [[path.join(base, 'photos-link')]])).toEqual({
      ok: true,
      result: { added: [photos] },
    })
    await service.call('index.cancel', [])
  })
})

describe('the CLI', () => {
  it('refuses relative, system, root and library folders with the reason on stderr (exit 2)', async () => {
    const cliLibrary = path.join(base, 'cli-library')
    const cases: Array<[string[], RegExp]> = [
      [['roots', 'add', '../..'], /full path/],
      [['roots', 'add', 'photos'], /full path/],
      [['roots', 'add', '/etc'], /system folder/],
      [['roots', 'add', '/'], /whole disk/],
      [['roots', 'add', os.homedir()], /whole home folder/],
      [['roots', 'add', path.join(cliLibrary, 'thumbs')], /library's own data folder/],
      [['index', '..'], /full path/],
      [['index', '/sys'], /system folder/],
    ]
    await fs.mkdir(path.join(cliLibrary, 'thumbs'), { recursive: true })
    for (const [args, reason] of cases) {
      const r = await runCli([...args, '--library', cliLibrary, '-q'])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(reason)
    }
    const listed = await runCli(['roots', 'list', '--library', cliLibrary, '--json'])
    expect(JSON.parse(listed.stdout)).toEqual([])
    const added = await runCli(['roots', 'add', photos, '--library', cliLibrary, '--json'])
    expect(added.code).toBe(0)
    expect(JSON.parse(added.stdout)).toMatchObject({ added: [photos] })
  })
})
