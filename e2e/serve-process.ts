/**
 * Starts `bin/tessera-serve.js` (what `npm run serve` runs: the built out/cli/tessera-serve.js, or
 * src/server/main.ts through tsx when that build is stale) in a child process on a random port and waits for
 * the line that gives its URL. Shared by the browser e2e fixtures and the interface benchmark. The e2e global
 * setup (e2e/global-setup.ts) builds out/cli first.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface ServeProcess {
  /** `http://127.0.0.1:PORT/?token=…`, as printed. */
  url: string
  stop(): Promise<void>
}

export function startServeProcess(
  libraryDir: string,
  options: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      path.join(REPO, 'bin', 'tessera-serve.js'),
      '--library',
      libraryDir,
      '--port',
      '0',
      '--no-open',
      ...(options.args ?? []),
    ],
    { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not start:\n${output}`)), 60_000)
    const onData = (d: Buffer) => {
      output += d.toString()
      const m = /Tessera is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)
      if (!m) return
      clearTimeout(timer)
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      resolve({
        url: m[1]!,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`The server exited (${code}):\n${output}`))
    })
  })
}
