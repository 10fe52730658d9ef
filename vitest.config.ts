import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The product's tests (unit, integration) and the harness's own (the fake Slack and its checkers).
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/harness/**/*.test.ts'],
    // Whole-CLI tests spawn processes and the first boot of the embedded database may build its
    // template (a few seconds): generous limits, not timing assertions.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two workers on 2 cores. A third overlaps the time workers spend waiting on child CLI
    // processes, but on a loaded machine it pushed CLI runs past the tests' 2 s Slack timeout.
    maxWorkers: 2,
    // Each worker process runs file after file instead of a fresh process per file: saves a Node
    // start, the vitest runtime and the transform of test/support and src/ for every file. Safe
    // because no test mocks modules, stubs globals or changes process.env; each file still makes
    // (and stops) its own database, fake Slack and temp directory.
    isolate: false,
  },
});
