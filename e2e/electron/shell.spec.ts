/**
 * The Electron shell end to end: the real main process, preload, utility-process engine and renderer.
 * Needs the Electron binary (not installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1: then the file is skipped)
 * and a build (`npx electron-vite build`). Each run gets its own library and Electron profile.
 */
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test'
import type { TesseraShellApi } from '../../src/preload/api'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SHARED = path.resolve(REPO, '..', 'shared')
const MIRROR = process.env.TESSERA_MODEL_MIRROR ?? path.join(SHARED, 'models')
const SEED = path.join(process.env.TESSERA_DATASETS ?? path.join(SHARED, 'datasets'), 'seed-5class')
const MAIN = path.join(REPO, 'out', 'main', 'index.js')

/** The Electron executable's path, or null when its binary was not downloaded. */
function electronBinary(): string | null {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown
    return typeof binary === 'string' && existsSync(binary) ? binary : null
  } catch {
    return null // "Electron failed to install correctly": the package is there, the binary is not
  }
}

const electronBinaryExists = electronBinary() !== null

test.skip(
  !electronBinaryExists,
  'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1): Electron-mode tests need it',
)
// One app for the whole file, launched once: the tests below look at it in turn.
test.describe.configure({ mode: 'serial' })

let app: ElectronApplication
let page: Page
let work: string

test.beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx electron-vite build\` first.`)
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-electron-'))
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'ELECTRON_RENDERER_URL') env[key] = value // never the dev server
  }
  app = await electron.launch({
    executablePath: electronBinary() ?? undefined,
    // Chromium refuses to run as root with its OS sandbox (containers, CI); the renderer stays `sandbox: true`.
    // The repository folder: Electron runs package.json's `main` (out/main/index.js) under the app's own name.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), REPO],
    env: {
      ...env,
      TESSERA_LIBRARY: path.join(work, 'library'),
      TESSERA_USER_DATA: path.join(work, 'profile'),
      TESSERA_MODEL_MIRROR: MIRROR,
    },
  })
  page = await app.firstWindow()
  await page.waitForLoadState('domcontentloaded')
})

test.afterAll(async () => {
  await app?.close()
  if (work) await fs.rm(work, { recursive: true, force: true })
})

test('starts with one Tessera window showing the app page', async () => {
  await expect(page).toHaveTitle('Tessera')
  expect(page.url()).toBe('app://tessera/index.html')
  const windows = await app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows().map((w) => ({ title: w.getTitle(), visible: w.isVisible() })),
  )
  expect(windows).toEqual([{ title: 'Tessera', visible: true }])
})

test('the page is sandboxed and context-isolated, without Node', async () => {
  const prefs = await app.evaluate(({ BrowserWindow }) => {
    // Documented (webContents.getLastWebPreferences) but missing from electron.d.ts.
    const contents = BrowserWindow.getAllWindows()[0]!.webContents as unknown as {
      getLastWebPreferences(): Record<string, unknown> | null
    }
    const p = contents.getLastWebPreferences()
    return {
      sandbox: p?.sandbox,
      contextIsolation: p?.contextIsolation,
      nodeIntegration: p?.nodeIntegration,
      webviewTag: p?.webviewTag,
    }
  })
  expect(prefs).toEqual({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false })
  expect(
    await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      module: typeof (globalThis as { module?: unknown }).module,
    })),
  ).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined' })
})

test('window.tessera holds only the named, frozen API', async () => {
  const surface = await page.evaluate(() => {
    const api = window.tessera as unknown as Record<string, unknown>
    return {
      keys: Object.keys(api).sort(),
      frozen: Object.isFrozen(api),
      types: Object.fromEntries(Object.entries(api).map(([k, v]) => [k, typeof v])),
    }
  })
  expect(surface.keys).toEqual(
    [
      'call',
      'chooseLibrary',
      'mediaUrl',
      'onEngineStatus',
      'onEvent',
      'onMenu',
      'pickFolder',
      'platform',
      'showInFolder',
      'versions',
    ].sort(),
  )
  expect(surface.frozen).toBe(true)
  expect(surface.types).toMatchObject({ call: 'function', platform: 'string', versions: 'object' })
})

test('window.open opens nothing; http(s) links go to the system browser instead', async () => {
  // Record instead of launching a browser on the test machine.
  await app.evaluate(({ shell }) => {
    const opened: string[] = []
    ;(globalThis as { openedExternally?: string[] }).openedExternally = opened
    shell.openExternal = async (url: string) => {
      opened.push(url)
    }
  })
  expect(await page.evaluate(() => window.open('https://example.com/popup') === null)).toBe(true)
  expect(await page.evaluate(() => window.open('file:///etc/passwd') === null)).toBe(true)
  expect(app.windows()).toHaveLength(1)
  await expect
    .poll(() => app.evaluate(() => (globalThis as { openedExternally?: string[] }).openedExternally))
    .toEqual(['https://example.com/popup'])
})

test('navigating away is blocked: the page stays on the app', async () => {
  const before = page.url()
  await page.evaluate(() => {
    window.location.href = 'https://example.com/elsewhere'
  })
  await page.evaluate(() => {
    window.location.href = 'file:///etc/passwd'
  })
  await page.waitForTimeout(500)
  expect(page.url()).toBe(before)
  expect(await page.evaluate(() => typeof window.tessera?.call)).toBe('function')
})

test('calls are validated in main and errors come back as values', async () => {
  const answers = await page.evaluate(async () => {
    const api = window.tessera as TesseraShellApi
    const loose = api.call as (method: unknown, args: unknown) => Promise<unknown>
    return {
      info: await api.call('app.info', []),
      unknown: await loose('library.nope', []),
      badArgs: await loose('library.photo', ['../../etc/passwd']),
      notString: await loose(42, []),
    }
  })
  expect(answers.info).toMatchObject({ ok: true, result: { mode: 'electron', native: { pickFolder: true } } })
  expect(answers.unknown).toMatchObject({ ok: false, error: { code: 'bad-method' } })
  expect(answers.badArgs).toMatchObject({ ok: false, error: { code: 'bad-args' } })
  expect(answers.notString).toMatchObject({ ok: false, error: { code: 'bad-method' } })
})

test('adding the seed folder indexes it and the grid shows thumbnails over tessera-media:', async () => {
  const added = await page.evaluate((folder) => window.tessera!.call('roots.add', [[folder]]), SEED)
  expect(added).toMatchObject({ ok: true })
  const tiles = page.getByTestId('grid-photo')
  await expect(tiles.first()).toBeVisible({ timeout: 150_000 })
  const image = tiles.first().locator('img')
  await expect(image).toHaveAttribute('src', /^tessera-media:\/\/media\/thumb\//)
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0)

  // The protocol answers ids only: a path smuggled into the URL loads nothing.
  const loaded = await page.evaluate(
    () =>
      new Promise<boolean>((resolve) => {
        const img = new Image()
        img.onload = () => resolve(true)
        img.onerror = () => resolve(false)
        img.src = 'tessera-media://media/photo/..%2F..%2F..%2Fetc%2Fpasswd'
      }),
  )
  expect(loaded).toBe(false)
})
