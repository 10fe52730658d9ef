import { describe, expect, it } from 'vitest';
import { nudgeCounts, runRows } from '../support/chaser-state.js';
import { backend } from '../support/db.js';
import { baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { NOW } from '../support/clock.js';

const ISO = NOW.toISOString();

describe(`hostile and broken configuration (${backend})`, () => {
  const s = useScenario();

  /** The config problem lines chaser printed (indented under the headline). */
  const problemLines = (stderr: string) => stderr.split('\n').filter((line) => /^ {2}\S/.test(line));

  /** A config that must be refused before anything happens: exit 78, no Slack call, no database write. */
  async function expectRefused(config: Record<string, unknown>, args: string[] = []) {
    s.writeConfig(config);
    const run = await s.run(['sweep', '--now', ISO, ...args]);
    expect(run.code).toBe(78);
    expect(s.slack.requests).toEqual([]);
    expect(await runRows(s.db.sql)).toEqual([]);
    expect(run.stderr).not.toMatch(/^\s+at .+[:(]/m); // no stack trace
    return run;
  }

  it('a table name with a quote and a semicolon is refused by the validator (78), and no statement runs', async () => {
    const run = await expectRefused({ ...baseConfig(), source: { table: 'rotation_consumers"; drop table chaser_runs; --' } });
    expect(run.stderr).toMatch(/source\.table: expected a plain SQL identifier/);
    expect(await s.db.sql`select to_regclass('chaser_runs') is not null as present`).toEqual([{ present: true }]);
  });

  it('column names with quotes or semicolons are refused, each with its path', async () => {
    const run = await expectRefused({
      ...baseConfig(),
      source: { columns: { id: 'id" or 1=1 --', name: 'name;select pg_sleep(10)', status: "status'" } },
    });
    const lines = problemLines(run.stderr);
    expect(lines.some((l) => l.includes('source.columns.id: expected a plain SQL identifier'))).toBe(true);
    expect(lines.some((l) => l.includes('source.columns.name: expected a plain SQL identifier'))).toBe(true);
    expect(lines.some((l) => l.includes('source.columns.status: expected a plain SQL identifier'))).toBe(true);
  });

  it('a schema-qualified table with mixed-case names works, used exactly as written', async () => {
    await s.db.sql`drop schema if exists inventory cascade`;
    await s.db.sql`create schema inventory`;
    await s.db.sql`create table inventory."Consumers" (
      "ConsumerId" integer primary key, "Service" text, "Squad" text, "Key" text, "Status" text, "Due" timestamptz)`;
    await s.db.sql`insert into inventory."Consumers" values
      (1, 'checkout-api', 'payments', 'kms/a', 'pending', ${daysBefore(4)}),
      (2, 'indexer', 'search', 'kms/a', 'done', ${daysBefore(4)})`;
    s.writeConfig({
      ...baseConfig(),
      source: {
        table: 'inventory.Consumers',
        columns: { id: 'ConsumerId', name: 'Service', team: 'Squad', keyId: 'Key', status: 'Status', deadline: 'Due' },
      },
    });
    try {
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(3);
      expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.payments, CHANNELS.security]);
      expect(JSON.stringify(s.slack.posts()[0]!.blocks)).toContain('checkout-api');
      expect(await nudgeCounts(s.db.sql)).toEqual({ '1': 1 }); // an integer id, kept in its text form
    } finally {
      await s.db.sql`drop schema inventory cascade`;
    }
  });

  it('durations "-1h" and "0" are refused with their paths', async () => {
    const run = await expectRefused({
      ...baseConfig(),
      tiers: [
        { name: 'gentle', afterDaysOverdue: 0, every: '-1h' },
        { name: 'firm', afterDaysOverdue: 3, every: '0' },
      ],
    });
    const lines = problemLines(run.stderr);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}tiers\[0\]\.every: expected a positive duration like "24h".*got "-1h"/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}tiers\[1\]\.every: expected a positive duration like "24h".*got "0"/));
  });

  it('tiers out of order are refused, naming the tier that is out of place', async () => {
    const run = await expectRefused({
      ...baseConfig(),
      tiers: [
        { name: 'gentle', afterDaysOverdue: 0, every: '72h' },
        { name: 'urgent', afterDaysOverdue: 7, every: '24h' },
        { name: 'firm', afterDaysOverdue: 3, every: '24h' },
      ],
    });
    expect(problemLines(run.stderr)).toContainEqual(
      expect.stringMatching(/tiers\[2\]\.afterDaysOverdue: tiers must be ordered by afterDaysOverdue, ascending: 3 is not after 7/),
    );
  });

  it('--fail-on naming a tier that does not exist: exit 78 listing the valid values', async () => {
    const run = await expectRefused(baseConfig(), ['--fail-on', 'severe']);
    expect(run.stderr).toMatch(/--fail-on: "severe" is not one of outstanding, never, gentle, firm, urgent, critical/);
  });

  it('a digest with no destination ({}) is refused with its path', async () => {
    const run = await expectRefused({ ...baseConfig(), digest: {} });
    expect(problemLines(run.stderr)).toContainEqual(expect.stringMatching(/^ {2}digest: /));
  });

  it('one config with many problems: every one listed, each with its path, in one run', async () => {
    const run = await expectRefused({
      ...baseConfig(),
      source: { table: 'consumers;--', columns: { team: 'owner"team' } },
      tiers: [
        { name: 'gentle', afterDaysOverdue: 0, every: '0' },
        { name: 'urgent', afterDaysOverdue: 7, every: '-1h' },
        { name: 'firm', afterDaysOverdue: 3, every: '24h' },
      ],
      digest: {},
      teams: { payments: { channel: 'payments' } },
    });
    const lines = problemLines(run.stderr).join('\n');
    for (const path of [
      'source.table:',
      'source.columns.team:',
      'tiers[0].every:',
      'tiers[1].every:',
      'tiers[2].afterDaysOverdue:',
      'digest:',
      'teams.payments.channel:',
    ]) {
      expect(lines, `the problem at ${path}`).toContain(`  ${path}`);
    }
  });
});
