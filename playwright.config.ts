import { defineConfig } from '@playwright/test'

/** Debian's Chromium (`apt-get install chromium`): `npx playwright install` cannot download browsers here. */
export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: 'e2e',
  // Builds out/cli, whose tessera-serve.js each browser test's server runs (e2e/serve-process.ts).
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results/e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  // Each test starts its own server, indexes real photos and drives a Chromium: one test alone keeps about
  // one core busy (server start-up and the page wait on each other), so two at a time on 2 cores. Measured
  // at load 8-14 (others' work): 17 browser tests in 411 s wall (189 s CPU) one at a time, 360 s (206 s CPU)
  // two at a time by file (one worker ran all of app.spec.ts), 218 s (168 s CPU) two at a time test by test.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['./e2e/summary-reporter.ts']],
  use: {
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'browser',
      testDir: 'e2e/browser',
      // Every browser test has its own server, library and photos (fixtures.ts): any two can run together,
      // so the seven of app.spec.ts are not left to one worker.
      fullyParallel: true,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: CHROMIUM,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'electron', testDir: 'e2e/electron' },
  ],
})
