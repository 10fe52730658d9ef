import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli.js';

/**
 * `dry-run --demo` boots from a cached, migrated template (src/db/embedded-template.ts) instead of
 * initdb + migrate. What a user sees must not change: the output below was recorded from the
 * build before the template existed (initdb + migrate + seed on every run), for this --now.
 * Whoever changes the demo's output on purpose re-records them with
 *   node bin/chaser.js dry-run --demo --now 2026-12-01T09:00:00Z > test/fixtures/demo-dry-run-2026-12-01T09-00Z.txt
 * (and the same with --json into the .json file).
 */
const NOW = '2026-12-01T09:00:00Z';
const fixture = (ext: string) => readFileSync(new URL(`../fixtures/demo-dry-run-2026-12-01T09-00Z.${ext}`, import.meta.url), 'utf8');
const TEXT = fixture('txt');
const JSON_OUT = fixture('json');

const root = mkdtempSync(join(tmpdir(), 'chaser-demo-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const demo = (cache: string, extra: string[] = []) =>
  runCli(['dry-run', '--demo', '--now', NOW, ...extra], { cwd: root, env: { XDG_CACHE_HOME: cache } });

describe('dry-run --demo from a cached template', () => {
  const cache = join(root, 'cache');
  let first: CliRun;
  beforeAll(async () => {
    first = await demo(cache, ['-v']);
  });

  it('the first run builds and caches the template; its output is byte-identical to the recorded one', () => {
    expect(first.code).toBe(3);
    expect(first.stdout).toBe(TEXT);
    expect(first.stderr).toContain('demo database built and cached in');
    expect(readdirSync(join(cache, 'chaser')).sort()).toEqual([
      expect.stringMatching(/^pglite-empty-[0-9a-f]{16}\.template$/),
      expect.stringMatching(/^pglite-migrated-[0-9a-f]{16}\.template$/),
    ]);
  });

  it('the next runs load it, with the same output, text and --json', async () => {
    const text = await demo(cache, ['-v']);
    expect(text.stderr).toContain('demo database loaded from');
    expect(text.stdout).toBe(TEXT);
    const json = await demo(cache, ['--json']);
    expect(json.code).toBe(3);
    expect(json.stdout).toBe(JSON_OUT);
  });

  it('a corrupted cached template is not used: a warning, a rebuild, the same output', async () => {
    const dir = join(cache, 'chaser');
    const file = join(
      dir,
      readdirSync(dir).find((name) => name.startsWith('pglite-migrated-'))!,
    );
    const bytes = readFileSync(file);
    const at = bytes.length - 100_000;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    writeFileSync(file, bytes);
    const run = await demo(cache);
    expect(run.stderr).toMatch(/the cached demo database was corrupt \(checksum mismatch\): rebuilt it/);
    expect(run.stdout).toBe(TEXT);
    const after = await demo(cache, ['-v']);
    expect(after.stderr).toContain('demo database loaded from');
  });

  it('when the cache cannot be written the demo still runs, from memory, with the same output', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const verbose = await demo(blocker, ['-v']);
    expect(verbose.code).toBe(3);
    expect(verbose.stdout).toBe(TEXT);
    expect(verbose.stderr).not.toMatch(/warning|error/);
    expect(verbose.stderr).toMatch(/demo database built in memory, not cached \(cannot write .*a-file\/chaser: ENOTDIR\)/);
  });
});
