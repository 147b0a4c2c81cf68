/**
 * Starts a worker thread on a typed entry module that sits beside its caller.
 *
 * Worker code is ordinary TypeScript (`*-worker-entry.ts`), typed and linted like the rest. How it runs:
 * - from sources (vitest, `tsx`, `node --import tsx`), the caller's `import.meta.url` ends in `.ts`, so the
 *   entry is `<name>.ts` beside it, started from a small inline bootstrap that first registers tsx's loader
 *   in the worker (loaders registered with `register()` in the main thread do not reach worker threads);
 * - bundled, the caller is part of a `.js` file and the entry is `<name>.js` beside that file: every bundle
 *   that carries a caller must emit its entries under that name in the same folder (electron.vite.config.ts
 *   for the app's main process, scripts/build-cli.mjs for the CLI). Plain Node runs it; no loader.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** Registers tsx in the worker, then imports the entry; a failure surfaces as the worker's 'error'. */
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads')
const { tsx, entry } = workerData.__tesseraWorker
import(tsx).then((api) => { api.register(); return import(entry) })
  .catch((error) => { setImmediate(() => { throw error }) })
`

/** Where the entry called `name` is for a caller at `from` (its `import.meta.url`). */
export function workerEntry(name: string, from: string): { url: URL; typescript: boolean } {
  const typescript = /\.[mc]?ts$/.test(new URL(from).pathname)
  return { url: new URL(`./${name}${typescript ? '.ts' : '.js'}`, from), typescript }
}

let tsxApi: string | null = null

/**
 * The ESM build of tsx's `register()` API. (The CommonJS build cannot be imported in a worker: it loads its
 * ESM half by a relative path that breaks there.) Found from tsx's package.json, as Node would resolve it.
 */
export function tsxLoader(): string {
  if (tsxApi) return tsxApi
  const require = createRequire(import.meta.url)
  let manifest: string
  try {
    manifest = require.resolve('tsx/package.json')
  } catch {
    throw new Error('Running workers from TypeScript sources needs the tsx package (npm install tsx).')
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports?: Record<string, { import?: string | { default?: string } }>
  }
  const target = pkg.exports?.['./esm/api']?.import
  const file = (typeof target === 'string' ? target : target?.default) ?? './dist/esm/api/index.mjs'
  tsxApi = pathToFileURL(path.join(path.dirname(manifest), file)).href
  return tsxApi
}

/**
 * `new Worker` on the entry module `name` beside the caller at `from` (pass `import.meta.url`).
 * `workerData` reaches the entry unchanged.
 */
export function startModuleWorker(
  name: string,
  from: string,
  options: Omit<WorkerOptions, 'eval'> = {},
): Worker {
  const { url, typescript } = workerEntry(name, from)
  if (!typescript) return new Worker(url, options)
  return new Worker(TS_BOOTSTRAP, {
    ...options,
    eval: true,
    workerData: { ...(options.workerData as object), __tesseraWorker: { tsx: tsxLoader(), entry: url.href } },
  })
}
