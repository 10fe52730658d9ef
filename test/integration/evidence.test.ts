import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvRecords } from '../../src/report/csv.js';
import { backend } from '../support/db.js';
import { KEY, playCampaign } from '../support/played-campaign.js';
import { useScenario } from '../support/scenario.js';

describe(`chaser evidence (${backend})`, () => {
  const s = useScenario();
  const csv = (dir: string, file: string) => parseCsvRecords(readFileSync(join(s.dir, dir, file), 'utf8'));

  it('writes the pack of one campaign, which --verify accepts and rejects after one row is altered', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const run = await s.run(['evidence', '--key', KEY, '--out', 'pack']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*pack: 8 consumers, \d+ nudges, 7 runs\n$/);
    expect(readdirSync(join(s.dir, 'pack')).sort()).toEqual([
      'answers.csv',
      'consumers.csv',
      'manifest.json',
      'nudges.csv',
      'runs.csv',
      'summary.md',
    ]);

    const consumers = csv('pack', 'consumers.csv');
    expect(consumers[0]).toEqual([
      'consumer_id',
      'name',
      'team',
      'deadline',
      'final_state',
      'state_since',
      'nudges',
      'first_nudged_at',
      'last_nudged_at',
    ]);
    const byId = new Map(consumers.slice(1).map((row) => [row[0], row]));
    expect(byId.get('pay-1')?.slice(4, 6)).toEqual(['confirmed', '2026-03-05T09:00:00.000Z']);
    expect(byId.get('id-1')?.slice(2, 6)).toEqual(['identity', '2026-03-02T00:00:00.000Z', 'removed', '2026-03-10T09:00:00.000Z']);
    expect(byId.get('search-2')?.[4]).toBe('exempt');
    expect(byId.get('pay-3')?.[4]).toBe('pending (overdue)');

    const nudges = csv('pack', 'nudges.csv');
    expect(nudges[0]).toEqual([
      'log_id',
      'run_id',
      'nudged_at',
      'consumer_id',
      'team',
      'tier',
      'channel',
      'message_ts',
      'permalink',
      'chain',
    ]);
    const logged = await s.db.sql`select count(*)::int as n from chaser_nudge_log where consumer_id <> 'other-1'`;
    expect(nudges.length - 1).toBe(logged[0]?.n);
    // auth.test's workspace URL + channel + ts: no call per nudge.
    expect(nudges[1]?.[8]).toMatch(/^https:\/\/[^/]+\/archives\/C0[A-Z0-9]+\/p\d+$/);
    expect(csv('pack', 'answers.csv')).toEqual([['answered_at', 'consumer_id', 'team', 'user', 'answer', 'channel', 'message_ts']]);
    const runs = csv('pack', 'runs.csv');
    expect(runs[1]).toEqual([
      '1',
      'sweep',
      '2026-03-03T09:00:00.000Z',
      expect.any(String),
      expect.any(String),
      '0.1.0',
      expect.stringMatching(/^[0-9a-f]{64}$/),
      '3',
      expect.any(String),
    ]);

    const summary = readFileSync(join(s.dir, 'pack', 'summary.md'), 'utf8');
    expect(summary).toContain('| in scope (every consumer of the key, removed ones included) | 8 |');
    expect(summary).toContain('Done (confirmed or exempt): **5 of 8** (62.5 %)');
    expect(summary).toMatch(
      /## Still pending past the deadline\n\n- pay-3 \(ledger-sync, team payments\), deadline 2026-03-02, nudged \d+×/,
    );

    const verified = await s.run(['evidence', '--verify', 'pack']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/✓ nudges\.csv chain: \d+ rows linked/);
    expect(verified.stdout).toMatch(/valid: .*pack matches its manifest\n$/);

    // An auditor's worry: someone edits one nudge row after the fact.
    const path = join(s.dir, 'pack', 'nudges.csv');
    const lines = readFileSync(path, 'utf8').split('\r\n');
    lines[2] = lines[2]!.replace(/,(gentle|firm|urgent|critical),/, ',never-sent,');
    writeFileSync(path, lines.join('\r\n'));
    const altered = await s.run(['evidence', '--verify', 'pack']);
    expect(altered.code).toBe(65);
    expect(altered.stdout).toMatch(/✗ nudges\.csv: altered: SHA-256/);
    expect(altered.stdout).toMatch(/✗ nudges\.csv chain: row 2 \(log id \d+, consumer "[^"]+"\) does not follow/);
  });

  it('--verify names a missing file and an added one', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    expect((await s.run(['evidence', '--key', KEY, '--out', 'pack-files'])).code).toBe(0);
    writeFileSync(join(s.dir, 'pack-files', 'extra.csv'), 'x\r\n');
    const { rmSync } = await import('node:fs');
    rmSync(join(s.dir, 'pack-files', 'runs.csv'));
    const run = await s.run(['evidence', '--verify', 'pack-files']);
    expect(run.code).toBe(65);
    expect(run.stdout).toMatch(/✗ runs\.csv: missing: the pack is incomplete/);
    expect(run.stdout).toMatch(/✗ extra\.csv: not in manifest\.json/);
    rmSync(join(s.dir, 'pack-files', 'manifest.json'));
    expect((await s.run(['evidence', '--verify', 'pack-files'])).code).toBe(65);
  });

  it('bad input: unknown key, empty history, --from after --to, a non-empty directory, a read-only target: exit 64, nothing half-written', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const unknown = await s.run(['evidence', '--key', 'kms/nope', '--out', 'a']);
    expect([unknown.code, unknown.stderr]).toEqual([64, expect.stringMatching(/unknown key "kms\/nope"/)]);
    const empty = await s.run(['evidence', '--key', KEY, '--out', 'a', '--from', '2027-01-01']);
    expect([empty.code, empty.stderr]).toEqual([64, expect.stringMatching(/no history for key .* in that window/)]);
    const window = await s.run(['evidence', '--key', KEY, '--out', 'a', '--from', '2026-03-10', '--to', '2026-03-01']);
    expect([window.code, window.stderr]).toEqual([64, expect.stringMatching(/--from .* is after --to/)]);

    mkdirSync(join(s.dir, 'full'));
    writeFileSync(join(s.dir, 'full', 'keep.txt'), 'mine');
    const full = await s.run(['evidence', '--key', KEY, '--out', 'full']);
    expect([full.code, full.stderr]).toEqual([64, expect.stringMatching(/full exists and is not empty[\s\S]*--force/)]);
    expect(readdirSync(join(s.dir, 'full'))).toEqual(['keep.txt']);
    const forced = await s.run(['evidence', '--key', KEY, '--out', 'full', '--force']);
    expect(forced.code).toBe(0);
    expect(readdirSync(join(s.dir, 'full'))).toContain('manifest.json');

    mkdirSync(join(s.dir, 'ro'));
    chmodSync(join(s.dir, 'ro'), 0o555);
    try {
      const readOnly = await s.run(['evidence', '--key', KEY, '--out', 'ro/pack']);
      // root ignores permission bits; what matters is a clear answer and nothing left behind
      if (readOnly.code !== 0)
        expect([readOnly.code, readOnly.stderr]).toEqual([64, expect.stringMatching(/cannot write .*ro.*permission denied/)]);
      const proc = await s.run(['evidence', '--key', KEY, '--out', '/proc/chaser-pack']);
      expect([proc.code, proc.stderr]).toEqual([64, expect.stringMatching(/cannot write \/proc/)]);
    } finally {
      chmodSync(join(s.dir, 'ro'), 0o755);
    }
    expect(readdirSync(s.dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(s.dir, 'a'))).toBe(false);
  });

  it('without a Slack token the permalinks are empty and the summary says why', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const run = await s.run(['evidence', '--key', KEY, '--out', 'pack-notoken'], { env: { SLACK_BOT_TOKEN: undefined } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/permalinks empty: SLACK_BOT_TOKEN is not set/);
    expect(csv('pack-notoken', 'nudges.csv')[1]?.[8]).toBe('');
    expect(readFileSync(join(s.dir, 'pack-notoken', 'summary.md'), 'utf8')).toContain('Permalinks are empty: SLACK_BOT_TOKEN is not set.');
  });
});
