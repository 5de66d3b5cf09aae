import { defineConfig } from 'vitest/config';

// Tests run the sources: the workspace packages resolve through their "@rlmtree/source" export
// condition (src/*.ts) instead of dist/. Node processes the tests start (scripts, examples,
// the CLI) get the same condition through NODE_OPTIONS (docs/packaging.md).
const SOURCE = '@rlmtree/source';
if (!(process.env.NODE_OPTIONS ?? '').includes(`--conditions=${SOURCE}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --conditions=${SOURCE}`.trim();
}

// Unit tests sit beside the code (*.test.ts); integration tests that need Python, Jupyter,
// Docker or a browser are *.int.test.ts; cross-package tests live in tests/. Suites that need a
// real part (Docker, Jupyter, Chromium, tmux, PostgreSQL…) go through tests/helpers/parts.ts.
// vitest also passes ssr.resolve.conditions to its worker processes as --conditions, so Node's
// own set is used there ('module' would make Node load ESM builds meant for bundlers).
const CONDITIONS = [SOURCE, 'node', 'development|production'];
export default defineConfig({
  resolve: { conditions: CONDITIONS },
  ssr: { resolve: { conditions: CONDITIONS } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
