import { spawnSync } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FoundFile } from '../../../src/engine/scan/walk.js'

/**
 * A folder below a root that cannot be listed (no permission) is a problem with a reason, under `index`
 * (the walk) and `watch` (the scan of a reported folder). Root reads every folder, so when the tests run
 * as root the scan runs in a child process as the unprivileged user `nobody`.
 */
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'walk-as-user.ts')
const asRoot = process.getuid?.() === 0
const NOBODY = 65534

let dir: string
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-unlistable-'))
  await fs.chmod(dir, 0o755)
})
afterEach(async () => {
  await fs.chmod(path.join(dir, 'photos', 'locked'), 0o755).catch(() => undefined)
  await fs.rm(dir, { recursive: true, force: true })
})

describe.runIf(process.platform !== 'win32')('a folder that cannot be listed', () => {
  it(
    'is a problem with a reason, in the walk and in the scan of a watched change',
    { timeout: 60_000 },
    async () => {
      const photos = path.join(dir, 'photos')
      const locked = path.join(photos, 'locked')
      await fs.mkdir(locked, { recursive: true })
      await fs.writeFile(path.join(photos, 'ok.jpg'), 'x')
      await fs.writeFile(path.join(locked, 'inside.jpg'), 'x')
      await fs.chmod(photos, 0o755)
      await fs.chmod(locked, 0o000)
      const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, photos, locked], {
        encoding: 'utf8',
        cwd: path.resolve(path.dirname(SCRIPT), '../../..'),
        env: { ...process.env, HOME: dir },
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      })
      expect(run.status, run.stderr).toBe(0)
      const { walked, changed } = JSON.parse(run.stdout) as { walked: FoundFile[]; changed: FoundFile[] }
      const reason =
        'Tessera is not allowed to open this folder (permission denied), so the photos in it are not indexed.'
      for (const found of [walked, changed]) {
        const problem = found.find((f) => f.path === locked)
        expect(problem, JSON.stringify(found)).toMatchObject({ statCode: 'unreadable', statError: reason })
        expect(found.some((f) => f.path.endsWith('inside.jpg'))).toBe(false)
      }
      expect(walked.find((f) => f.path.endsWith('ok.jpg'))?.statError).toBeUndefined()
    },
  )
})
