import { defineConfig } from 'vitest/config';

// Unit and integration tests live beside the code they test (`foo.ts`, `foo.test.ts`).
// e2e/ is Playwright's, run separately by build/test-all.mjs.
export default defineConfig({
  test: {
    include: ['electron/**/*.test.ts', 'shared/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'build/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
