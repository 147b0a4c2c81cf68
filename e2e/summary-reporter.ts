import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/** One plain closing line, like the Vitest one, and every skip with its reason. */
export default class SummaryReporter implements Reporter {
  private passed = 0
  private failed = 0
  private skipped: string[] = []

  onTestEnd(test: TestCase, result: TestResult) {
    if (result.status === 'skipped') {
      const reason = test.annotations.find((a) => a.type === 'skip')?.description ?? 'no reason given'
      this.skipped.push(`${test.titlePath().slice(1).join(' › ')}: ${reason}`)
    } else if (result.status === 'passed' || test.outcome() === 'flaky') {
      if (result.status === 'passed') this.passed++
    } else if (test.outcome() === 'unexpected' && result.retry === test.retries) {
      this.failed++
    }
  }

  onEnd(_result: FullResult) {
    for (const s of this.skipped) console.log(`skipped: ${s}`)
    console.log(`e2e tests: ${this.passed} passed, ${this.failed} failed, ${this.skipped.length} skipped`)
  }
}
