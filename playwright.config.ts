// End-to-end tests of the real app in browser mode, in Debian's Chromium (never a downloaded
// browser: `npx playwright install` cannot work on our machines). build/test-all.mjs runs this
// after `npm run build`, which produces dist/baton-web.cjs and dist/renderer/.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  outputDir: '.tmp/playwright',
  // One worker: the machine has two cores shared with other suites.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    },
    trace: 'retain-on-failure',
  },
});
