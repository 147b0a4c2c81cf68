import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Longest files first, so that both workers stay busy to the end: a long file started last leaves the other
 * worker idle while it runs. The durations are vitest's own from the last run on this machine when it has
 * them (node_modules/.vite/vitest/…/results.json); a fresh clone has none, so the longest files are listed
 * here with a figure measured on 2 cores (seconds; they need only be roughly right to order the files).
 * Files not listed count as short, and keep vitest's order (larger first) among themselves.
 */
const MEASURED_SECONDS: Record<string, number> = {
  'integration:test/integration/dupes/similar-shots.test.ts': 60,
  'integration:test/integration/engine/watching.test.ts': 50,
  'integration:test/integration/dupes/trash-crash.test.ts': 50,
  'integration:test/integration/dupes/near-dupes.test.ts': 40,
  'integration:test/integration/dupes/held-out-flowers.test.ts': 35,
  'integration:test/integration/engine/eval-readonly.test.ts': 30,
  'integration:test/integration/engine/train-cli.test.ts': 30,
  'integration:test/integration/engine/cli.test.ts': 25,
  'integration:test/integration/train/real-features.test.ts': 20,
  'integration:test/integration/engine/dates-places.test.ts': 15,
  'integration:test/integration/server/bounded.test.ts': 12,
  'integration:test/integration/server/main.test.ts': 12,
  'integration:test/integration/host/engine-service.test.ts': 12,
  'integration:test/integration/engine/skip-reasons.test.ts': 12,
  'integration:test/integration/dupes/flowers-cli.test.ts': 10,
  'integration:test/integration/albums/crash.test.ts': 10,
  'integration:test/integration/labels/word-search.test.ts': 10,
  'integration:test/integration/engine/dupes-cli.test.ts': 10,
  'unit:test/unit/dupes/hash-bands.test.ts': 7,
  'unit:test/unit/train/train-worker.test.ts': 6,
  'unit:test/unit/shell/corpus.test.ts': 6,
}

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files)
    const root = this.ctx.config.root
    const key = (spec: TestSpecification) =>
      `${spec.project.name}:${spec.moduleId.startsWith(root) ? spec.moduleId.slice(root.length + 1) : spec.moduleId}`
    const estimate = new Map<TestSpecification, number>()
    for (const spec of base) {
      const cached = this.ctx.cache.getFileTestResults(key(spec))
      estimate.set(
        spec,
        cached && !cached.failed ? cached.duration / 1000 : (MEASURED_SECONDS[key(spec)] ?? 0),
      )
    }
    // A stable sort: equal estimates (the unlisted files) keep vitest's order.
    return base.toSorted((a, b) => estimate.get(b)! - estimate.get(a)!)
  }
}
