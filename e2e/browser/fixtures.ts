/**
 * Browser-mode e2e fixtures: every test gets its own library, photos folder and trash, and its own
 * `tessera serve` process (the same command `npm run serve` runs), on a random port with a random token.
 */
import { realpathSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as base, expect, type Page } from '@playwright/test'
import WebSocket from 'ws'
import type { EngineEvent, EventMessage, ReplyMessage } from '../../src/shared/contract'
import { startServeProcess } from '../serve-process'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// Real path: shared/ may be reached through a link, and the app shows the real paths it stores.
export const SHARED = realpathSync(path.resolve(REPO, '..', 'shared'))
export const MIRROR = process.env.TESSERA_MODEL_MIRROR ?? path.join(SHARED, 'models')
export const SEED = path.join(process.env.TESSERA_DATASETS ?? path.join(SHARED, 'datasets'), 'seed-5class')

export interface Tessera {
  /** `http://127.0.0.1:PORT` */
  origin: string
  token: string
  /** The URL with the token, as printed. */
  url: string
  libraryDir: string
  photosDir: string
  trashDir: string
  /** Calls the contract over the server's WebSocket (for setup and for knowing which tile is which). */
  api<T = unknown>(method: string, ...args: unknown[]): Promise<T>
  /** Adds the photos folder and waits until it is indexed. */
  addPhotosAndWait(): Promise<void>
  events: EngineEvent[]
}

/** The first `perClass` photos of each seed class, copied flat as `<class>-<file>`. */
export async function copySeedPhotos(dir: string, perClass: number): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true })
  const out: string[] = []
  for (const cls of (await fs.readdir(SEED)).sort()) {
    const files = (await fs.readdir(path.join(SEED, cls))).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort()
    for (const f of files.slice(0, perClass)) {
      const target = path.join(dir, `${cls}-${f}`)
      await fs.copyFile(path.join(SEED, cls, f), target)
      out.push(target)
    }
  }
  return out
}

export const test = base.extend<{ tessera: Tessera; perClass: number }>({
  perClass: [3, { option: true }],
  tessera: async ({ perClass }, use) => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-e2e-'))
    const libraryDir = path.join(root, 'library')
    const photosDir = path.join(root, 'Photos')
    const trashDir = path.join(root, 'trash')
    await copySeedPhotos(photosDir, perClass)
    const server = await startServeProcess(libraryDir, {
      env: { TESSERA_MODEL_MIRROR: MIRROR, TESSERA_TRASH_DIR: trashDir },
    })
    const url = server.url
    const parsed = new URL(url)
    const token = parsed.searchParams.get('token')!
    const socket = new WebSocket(`ws://${parsed.host}/ws?token=${token}`, { origin: parsed.origin })
    await new Promise((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    const events: EngineEvent[] = []
    const waiting = new Map<number, (reply: ReplyMessage) => void>()
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ReplyMessage | EventMessage
      if (msg.kind === 'event') events.push(msg.event)
      else waiting.get(msg.id)?.(msg)
    })
    let nextId = 1
    const api = <T>(method: string, ...args: unknown[]) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++
        waiting.set(id, (reply) => {
          waiting.delete(id)
          if (reply.ok) resolve(reply.result as T)
          else reject(new Error(`${reply.error.code}: ${reply.error.message}`))
        })
        socket.send(JSON.stringify({ kind: 'call', id, method, args }))
      })
    const tessera: Tessera = {
      origin: parsed.origin,
      token,
      url,
      libraryDir,
      photosDir,
      trashDir,
      api,
      events,
      async addPhotosAndWait() {
        await api('roots.add', [photosDir])
        await expect
          .poll(
            async () => {
              const s = await api<{ indexing: { running: boolean }; embedded: number }>('library.status')
              return !s.indexing.running && s.embedded > 0
            },
            // Every 0.25 s once started (Playwright's default steps up to 1 s, up to a second lost per test).
            { timeout: 150_000, intervals: [100, 250] },
          )
          .toBe(true)
      },
    }
    await use(tessera)
    socket.close()
    await server.stop()
    await fs.rm(root, { recursive: true, force: true })
  },
})

export { expect }

/** Saves a 1280×800 screenshot of a main view as a test artifact (and under docs/ when asked). */
export async function viewScreenshot(page: Page, name: string): Promise<void> {
  // Transient notices are not part of the view.
  await page.evaluate(() => document.querySelectorAll('.toasts > *').forEach((t) => t.remove()))
  // Let lazy thumbnails finish so the picture shows the real view.
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete))
  const dirs = [path.join(REPO, 'test-results', 'screenshots')]
  if (process.env.TESSERA_SCREENSHOTS_DIR) dirs.push(path.resolve(REPO, process.env.TESSERA_SCREENSHOTS_DIR))
  for (const dir of dirs) {
    await fs.mkdir(dir, { recursive: true })
    await page.screenshot({ path: path.join(dir, `${name}.png`) })
  }
}

/** Photo id → file name, from the library (so a test can pick tiles by what they show). */
export async function photoNames(tessera: Tessera): Promise<Map<string, string>> {
  const { ids } = await tessera.api<{ ids: string[] }>('library.timeline')
  const out = new Map<string, string>()
  for (const id of ids) out.set(id, (await tessera.api<{ name: string }>('library.photo', id)).name)
  return out
}
