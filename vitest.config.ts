import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The product's tests (unit, integration) and the harness's own (the fake Slack and its checkers).
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/harness/**/*.test.ts'],
    // PGlite takes ~3 s to boot and whole-CLI tests spawn processes: generous, not timing assertions.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
