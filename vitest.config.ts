import { defineConfig } from 'vitest/config'

// Two tiers: fast unit tests, and integration tests on real files, real ONNX sessions and real LanceDB.
export default defineConfig({
  test: {
    // Builds the CLI bundle the integration tests spawn (bin/tessera.js runs out/cli/tessera.js).
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/plain-summary-reporter.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
})
