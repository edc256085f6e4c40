import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The stack test bundles the functions with esbuild, which the CDK starts with the test's stderr as
// its output: only a child process (forks) has a real one. Every other file runs on worker threads,
// which start and load modules in a fraction of a process's time. Files on one thread share its
// module cache (isolate: false): loading the CDK, the SDK and DuckDB once per thread instead of once
// per file saves about two minutes of CPU. Tests therefore restore what they change (mocks, timers,
// environment) in afterEach, and handlers read their environment at their first invocation.
const BUNDLING = ['test/lib/stack.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    // One test file per core. Vitest's default keeps a core for itself, which on 2 cores means
    // one file at a time; its own process mostly waits for the workers.
    maxWorkers: availableParallelism(),
    // The stack test's synthesis bundles the functions: give it room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'threads', include: ['test/**/*.test.ts'], exclude: BUNDLING, pool: 'threads', isolate: false } },
      { extends: true, test: { name: 'forks', include: BUNDLING, pool: 'forks' } },
    ],
  },
});
