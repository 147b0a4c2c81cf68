// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

const nodeOnly = [
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'electron',
  'sharp',
  'onnxruntime-node',
]

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-results/**',
      'playwright-report/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // The engine is plain Node: the CLI, the browser-mode server and the Electron shell all reuse it unchanged.
    files: ['src/engine/**', 'src/shared/**', 'src/cli/**', 'src/server/**', 'src/host/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The engine never imports electron.' }] },
      ],
    },
  },
  {
    // The renderer only knows the shared contract and its EngineClient; no Node modules.
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeOnly.flatMap((n) => [
            { name: n, message: 'The renderer talks to the engine through the contract only.' },
            { name: `node:${n}`, message: 'The renderer talks to the engine through the contract only.' },
          ]),
          patterns: [
            {
              group: ['**/engine/**'],
              message: 'The renderer talks to the engine through the contract only.',
            },
          ],
        },
      ],
    },
  },
)
