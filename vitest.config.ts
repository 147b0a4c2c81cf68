import { BaseSequencer, type TestSpecification } from 'vitest/node'
import { defineConfig } from 'vitest/config'

/**
 * The files that take longest (near-dupes ~3 min of one worker, cli ~45 s) start first, so the other
 * worker runs everything else meanwhile instead of leaving one long file alone at the end. Vitest orders
 * by cached durations only when it has a cache, and a fresh clone (CI) has none: it then goes by file size.
 */
const LONGEST_FIRST = ['test/integration/dupes/near-dupes.test.ts', 'test/integration/engine/cli.test.ts']

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name))
      return i < 0 ? LONGEST_FIRST.length : i
    }
    // Array.prototype.sort is stable: the rest keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}

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
    sequence: { sequencer: LongestFirst },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
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
