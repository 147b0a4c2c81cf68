import { defineConfig } from 'vitest/config'
import LongestFirst from './test/sequencer'
import { UNIT_WITH_MOCKS } from './test/unit-with-mocks'

// Two tiers: fast unit tests, and integration tests on real files, real ONNX sessions and real LanceDB.
export default defineConfig({
  test: {
    // Builds the CLI bundle the integration tests spawn (bin/tessera.js runs out/cli/tessera.js).
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/plain-summary-reporter.ts'],
    // Two test files at a time, unit and integration alike (vitest's default on 2 cores is one): one file
    // at a time kept 0.74 of the 2 cores busy (6.1 min of CPU in 8.3 min), the rest waiting on child
    // processes and disk. Every integration file works in its own temporary folders, ports and trash, so
    // any two can run together.
    maxWorkers: 2,
    // Longest files first (test/sequencer.ts), so neither worker is left idle while the other ends a long one.
    sequence: { sequencer: LongestFirst },
    projects: [
      // Unit tests share their workers' modules (no per-file isolation, as vitest's "disable isolation"
      // recipe has it): each file used to import vitest and its sources afresh in a new process, about half of
      // the unit tier's CPU (measured: 124 s of CPU in 66 s isolated, 60 s in 33 s shared; 888 tests either
      // way). Safe because a unit test mutates no module state, environment or global; the files that mock
      // a module (vi.mock) need a fresh module graph, and keep it in 'unit-isolated' (test/unit-with-mocks.ts).
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: UNIT_WITH_MOCKS,
          isolate: false,
          testTimeout: 20_000,
        },
      },
      { test: { name: 'unit-isolated', include: UNIT_WITH_MOCKS, testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
})
