import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The stack test bundles the functions with esbuild, which the CDK starts with the test's stderr as
// its output: only a child process (forks) has a real one. Every other file runs on worker threads,
// which start and load modules in a fraction of a process's time. Files on one thread share its
// module cache (isolate: false): loading the CDK, the SDK and DuckDB once per thread instead of once
// per file saves about two minutes of CPU. Tests therefore restore what they change (mocks, timers,
// environment) in afterEach, and handlers read their environment at their first invocation.
const BUNDLING = ['test/lib/stack.test.ts'];

// The suite's longest files, longest first. Vitest runs the files that took longest last time
// first, but a fresh checkout (and CI) has no last time: it then starts with the largest files, and
// the fault campaign's two short files, whose cases take a third of the suite's time, would run
// last while the other core has nothing left to do.
const LONGEST_FIRST = [
  'test/e2e/flood-scenarios.test.ts',
  'test/tools/faults/campaign.test.ts',
  'test/tools/faults/campaign-second-half.test.ts',
];

/** Vitest's order, with the longest files moved to the front. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return at === -1 ? LONGEST_FIRST.length : at;
    };
    return ordered
      .map((file, i) => ({ file, i }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    // One test file per core. Vitest's default keeps a core for itself, which on 2 cores means
    // one file at a time; its own process mostly waits for the workers.
    maxWorkers: availableParallelism(),
    sequence: { sequencer: LongestFirst },
    // The stack test's synthesis bundles the functions: give it room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'threads', include: ['test/**/*.test.ts'], exclude: BUNDLING, pool: 'threads', isolate: false } },
      { extends: true, test: { name: 'forks', include: BUNDLING, pool: 'forks' } },
    ],
  },
});
