import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js'
import { DebugLogger } from 'builder-util'
import { minimatch } from 'minimatch'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'

/**
 * The packaging configuration cannot be exercised here (no Electron binary to package or flip fuses in),
 * so this checks it the way electron-builder would read it: through its own loader and schema, then the
 * settings that matter for security and for what ships.
 */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

async function config() {
  return getConfig(REPO, 'electron-builder.yml', null)
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema", async () => {
    await expect(validateConfiguration(await config(), new DebugLogger(false))).resolves.toBeUndefined()
    // The schema does reject mistakes (a misspelt fuse).
    await expect(
      validateConfiguration({ electronFuses: { runAsnode: false } } as never, new DebugLogger(false)),
    ).rejects.toThrow(/does not match the API schema/)
  })

  it('flips the fuses: no running as Node, no NODE_OPTIONS, no inspector; the app only from a verified asar', async () => {
    const c = await config()
    expect(c.asar).toBe(true)
    expect(c.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    })
  })

  it('builds AppImage and deb, dmg, and NSIS', async () => {
    const c = await config()
    const targets = (t: unknown) => (t as string[]).map(String)
    expect(targets(c.linux?.target)).toEqual(['AppImage', 'deb'])
    expect(targets(c.mac?.target)).toEqual(['dmg'])
    expect(targets(c.win?.target)).toEqual(['nsis'])
  })

  it('ships the built app only: no sources, tests, benchmarks or docs', async () => {
    // The loader turns the list into one file set: { filter: [...] }.
    const sets = (await config()).files as Array<string | { filter?: string[] }>
    const patterns = sets.flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])))
    expect(patterns.length).toBeGreaterThan(4)
    const included = (file: string) =>
      patterns.filter((p) => !p.startsWith('!')).some((p) => minimatch(file, p, { dot: true })) &&
      !patterns.filter((p) => p.startsWith('!')).some((p) => minimatch(file, p.slice(1), { dot: true }))
    for (const file of [
      'out/main/index.js',
      'out/main/engine-host.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'package.json',
    ])
      expect(included(file), file).toBe(true)
    for (const file of [
      'test/unit/lock/lock.test.ts',
      'test/integration/support.ts',
      'bench/run.ts',
      'bench/results/index.json',
      'e2e/app.spec.ts',
      'src/engine/engine.ts',
      'docs/screenshots/library.png',
      'scripts/make-icons.ts',
      'out/main/index.js.map',
      'out/cli/tessera.js',
    ])
      expect(included(file), file).toBe(false)
  })

  it('has the icons each platform needs', async () => {
    const c = await config()
    const res = path.join(REPO, 'resources')
    const png = await sharp(path.join(res, 'icon.png')).metadata()
    expect(png.width).toBeGreaterThanOrEqual(512)
    expect(png.height).toBe(png.width)
    const icns = await fs.readFile(path.join(REPO, c.mac!.icon!))
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const ico = await fs.readFile(path.join(REPO, c.win!.icon!))
    expect(ico.readUInt16LE(2)).toBe(1) // an icon
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(4) // several sizes, 256 among them (stored as 0)
    expect([...Array(ico.readUInt16LE(4)).keys()].some((i) => ico.readUInt8(6 + 16 * i) === 0)).toBe(true)
    const linux = await fs.readdir(path.join(REPO, c.linux!.icon!))
    expect(linux).toContain('512x512.png')
  })

  it('is run by `npm run dist`, with electron-builder pinned', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
      devDependencies: Record<string, string>
    }
    expect(pkg.scripts.dist).toMatch(/electron-builder/)
    expect(pkg.devDependencies['electron-builder']).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
