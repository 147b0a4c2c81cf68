/**
 * `npm run serve`: Tessera in a browser. Opens the library, serves the built interface on 127.0.0.1 and prints
 * one line, `Tessera is running at http://127.0.0.1:PORT/?token=TOKEN` (tests parse it). Ctrl+C (SIGINT) or
 * SIGTERM closes the server and the library, releasing its lock.
 *
 * Exit codes: 0 closed cleanly, 1 the library or the server could not be opened, 2 usage error or the
 * interface is not built.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import type { EngineService } from '../host/engine-service.js'
import { resolveLibraryDir } from '../engine/library/paths.js'
import { startServer, type RunningServer } from './server.js'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const DEFAULT_RENDERER_DIR = path.join(REPO, 'out', 'renderer')

interface Options {
  library?: string
  port: number
  renderer?: string
  token?: string
  open: boolean
  scan: boolean
}

function parsePort(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('Expected a port number from 0 to 65535 (0: any free port).')
  }
  return n
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!
}

function writeLine(stream: NodeJS.WriteStream, line: string): Promise<void> {
  return new Promise((resolve) => stream.write(`${line}\n`, () => resolve()))
}

/** Opens the URL in the default browser; failing to is not an error (the address was printed). */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]]
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' })
    child.on('error', () => undefined)
    child.unref()
  } catch {
    // no browser launcher: the printed address is enough
  }
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('tessera-serve')
    .description('Serve Tessera to a browser on this computer (127.0.0.1 only).')
    .option('--library <dir>', 'library folder (default: $TESSERA_LIBRARY or the per-user app folder)')
    .option('--port <n>', 'port to listen on (0: any free port)', parsePort, 0)
    .option('--renderer <dir>', 'the built interface', DEFAULT_RENDERER_DIR)
    .option('--token <token>', 'access token (default: a random one)')
    .option('--no-open', 'do not open the browser')
    .option('--no-scan', 'do not rescan or watch the folders on start (benchmarks of a synthetic library)')
    .exitOverride()
  try {
    program.parse(argv, { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    throw error
  }
  const opts = program.opts<Options>()

  const rendererDir = path.resolve(opts.renderer ?? DEFAULT_RENDERER_DIR)
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    await writeLine(process.stderr, 'The interface is not built: run `npm run build` first.')
    return 2
  }

  const libraryDir = resolveLibraryDir(opts.library)
  let service: EngineService
  try {
    // Loaded only now: the engine takes a moment to import, and usage errors should not wait for it.
    const { EngineService } = await import('../host/engine-service.js')
    service = await EngineService.open({
      libraryDir,
      mode: 'browser',
      native: { pickFolder: false, showInFolder: false },
      autoIndex: opts.scan,
    })
  } catch (error) {
    await writeLine(process.stderr, `Could not open the library ${libraryDir}: ${errorText(error)}`)
    return 1
  }

  let server: RunningServer
  try {
    server = await startServer({
      service,
      rendererDir,
      port: opts.port,
      token: opts.token,
      internalDirs: [libraryDir, REPO],
    })
  } catch (error) {
    await service.close().catch(() => undefined)
    await writeLine(process.stderr, `Could not start the server: ${errorText(error)}`)
    return 1
  }

  let stopping = false
  const stop = (): void => {
    if (stopping) {
      process.exit(1) // a second Ctrl+C: do not wait any longer
    }
    stopping = true
    void (async () => {
      let code = 0
      await server.close().catch(() => undefined)
      try {
        await service.close()
      } catch (error) {
        await writeLine(process.stderr, `Could not close the library cleanly: ${errorText(error)}`)
        code = 1
      }
      process.exit(code)
    })()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  await writeLine(process.stdout, `Tessera is running at ${server.url}`)
  if (opts.open) openBrowser(server.url)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code)
  },
  async (error: unknown) => {
    await writeLine(process.stderr, `tessera serve: ${errorText(error)}`)
    process.exit(1)
  },
)
