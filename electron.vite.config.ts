import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import { buildCsp } from './src/main/security'

const CSP_META = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/

/**
 * In `electron-vite dev` only, swaps the production CSP in index.html for the dev policy (Vite's
 * injected styles and HMR socket). Fails loudly if the meta tag is gone, so no build runs without a CSP.
 */
function devCsp(): Plugin {
  return {
    name: 'tessera:dev-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (!CSP_META.test(html))
          throw new Error('src/renderer/index.html lost its Content-Security-Policy meta tag')
        return html.replace(CSP_META, `$1${buildCsp({ dev: true })}$2`)
      },
    },
  }
}

export default defineConfig({
  main: {
    build: {
      rolldownOptions: { input: { index: resolve('src/main/index.ts') } },
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
    plugins: [vue(), devCsp()],
    build: {
      rolldownOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
})
