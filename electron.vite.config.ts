import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import { buildCsp, withCspMeta } from './src/main/security'

/**
 * Writes {@link buildCsp}'s policy into index.html's CSP meta tag: the production policy in a build, the
 * dev policy (Vite's injected styles and HMR socket) in `electron-vite dev`. So the page's meta tag and the
 * `app://` protocol's header are always one policy. Fails loudly if the meta tag is gone.
 */
function cspMeta(): Plugin {
  let dev = false
  return {
    name: 'tessera:csp-meta',
    configResolved(config) {
      dev = config.command === 'serve'
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        try {
          return withCspMeta(html, buildCsp({ dev }))
        } catch {
          throw new Error('src/renderer/index.html lost its Content-Security-Policy meta tag')
        }
      },
    },
  }
}

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // The engine's utility process (forked by src/main/engine-process.ts).
          'engine-host': resolve('src/main/engine-host-entry.ts'),
          // Worker threads: each caller starts `./<name>.js` beside its own bundle file (train-worker.ts,
          // and the rest through src/engine/worker-module.ts). scripts/build-cli.mjs emits the same for the CLI.
          'train-worker-entry': resolve('src/engine/train/train-worker-entry.ts'),
          'embed-worker-entry': resolve('src/engine/embed/embed-worker-entry.ts'),
          'heic-worker-entry': resolve('src/engine/decode/heic-worker-entry.ts'),
          'map-layout-worker-entry': resolve('src/host/map-layout-worker-entry.ts'),
          'verify-worker-entry': resolve('src/engine/dupes/verify-worker-entry.ts'),
        },
        // Entries and shared chunks side by side in out/main, so `import.meta.url` of whichever file holds
        // a worker's caller finds its entry next to it.
        output: { entryFileNames: '[name].js', chunkFileNames: 'shared-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot be an ES module: build CommonJS, named .cjs because package.json says "module".
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [vue(), cspMeta()],
    build: {
      rolldownOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
})
