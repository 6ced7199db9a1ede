import { defineConfig } from 'vitest/config';

// End-to-end tests in headless Chromium (`npm run test:e2e`); not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    pool: 'forks',
  },
});
