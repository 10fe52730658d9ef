import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('calendar config errors (no database, no Slack)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chaser-calendar-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('78: an unknown zone, an unknown region and an empty workweek, each with its path', async () => {
    writeFileSync(
      join(dir, 'chaser.config.json'),
      JSON.stringify({
        calendar: { workdays: [] },
        teams: { payments: { channel: '#payments', timezone: 'Europe/Berlim', holidays: ['DE-XX'] } },
      }),
    );
    const run = await runCli(['dry-run', '--now', '2026-03-02T09:00:00Z'], {
      cwd: dir,
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/^ {2}calendar\.workdays: expected at least one workday/m);
    expect(run.stderr).toMatch(/^ {2}teams\.payments\.timezone: expected an IANA time zone/m);
    expect(run.stderr).toMatch(/^ {2}teams\.payments\.holidays\[0\]: DE has no state "XX"/m);
    expect(run.stdout).toBe('');
  });
});
