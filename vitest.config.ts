import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (*.test.ts); integration tests that need Python, Jupyter,
// Docker or a browser are *.int.test.ts; cross-package tests live in tests/.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
