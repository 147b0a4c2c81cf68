/**
 * Forks the engine's utility process (`out/main/engine-host.js`). A utility process is a Node.js child of
 * Electron's browser process with Chromium's process model: it has Node and native modules, no window, and it
 * is ended with the app; it talks to main over `process.parentPort`.
 */
import { utilityProcess } from 'electron'
import type { EngineProcess } from './engine-bridge'
import { hostArgs } from './engine-wire'

export interface ForkEngineOptions {
  /** The built entry, `out/main/engine-host.js`. */
  entry: string
  libraryDir: string
  /** The child's environment; it reads `TESSERA_MODEL_MIRROR` and `TESSERA_PROVIDERS` from it. */
  env?: NodeJS.ProcessEnv
}

export function forkEngineHost(options: ForkEngineOptions): EngineProcess {
  const child = utilityProcess.fork(options.entry, hostArgs({ libraryDir: options.libraryDir }), {
    serviceName: 'Tessera engine',
    // The engine's log lines go where main's do.
    stdio: 'inherit',
    env: options.env ?? process.env,
  })
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
    kill: () => {
      child.kill()
    },
  }
}
