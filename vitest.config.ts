import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // ffmpeg and TF.js tests are CPU heavy; two cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
