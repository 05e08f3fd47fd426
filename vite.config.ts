import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: '.',
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Tests tile real images and start servers and Chromium: two files at a time fit this machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
