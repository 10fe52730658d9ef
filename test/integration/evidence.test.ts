import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvRecords } from '../../src/report/csv.js';
import { backend } from '../support/db.js';
import { ANA, ANSWERING_SLACK, KEY, OTHER_KEY, SAM, dayAfter, playCampaign } from '../support/played-campaign.js';
import { CHANNELS, useScenario } from '../support/scenario.js';

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
    expect(csv('pack', 'answers.csv')).toHaveLength(1); // the header: nobody answered in this campaign
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

describe(`chaser evidence: answers read back from Slack (${backend})`, () => {
  const s = useScenario({ slack: ANSWERING_SLACK });
  const csv = (dir: string, file: string) => parseCsvRecords(readFileSync(join(s.dir, dir, file), 'utf8'));

  it('answers.csv holds every answer of the campaign, chained; summary.md counts them by kind; one altered line fails --verify', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args), s.slack);
    const run = await s.run(['evidence', '--key', KEY, '--out', 'pack']);
    expect([run.code, run.stderr]).toEqual([0, '']);

    const answers = csv('pack', 'answers.csv');
    expect(answers[0]).toEqual([
      'event_id',
      'recorded_at',
      'run_id',
      'consumer_id',
      'team',
      'kind',
      'source',
      'actor',
      'channel',
      'message_ts',
      'text_or_reaction',
      'until',
      'detail',
      'permalink',
      'chain',
    ]);
    // In the order recorded (the chain's), which follows the order the threads were read in: compared by kind here.
    const rows = answers
      .slice(1)
      .sort((a, b) => (a[5]! < b[5]! ? -1 : 1))
      .map((r) => ({ consumer: r[3], team: r[4], kind: r[5], actor: r[7], channel: r[8], text: r[10], detail: r[12] }));
    expect(rows).toEqual([
      { consumer: 'pay-3', team: 'payments', kind: 'done', actor: ANA, channel: CHANNELS.payments, text: 'done ledger-sync', detail: '' },
      {
        consumer: 'search-3',
        team: 'search',
        kind: 'not_ours',
        actor: SAM,
        channel: CHANNELS.search,
        text: 'not ours reranker @identity',
        detail: 'identity',
      },
      // Names no consumer, in payments' all-keys thread: payments was chased there about this campaign.
      {
        consumer: '',
        team: 'payments',
        kind: 'response',
        actor: ANA,
        channel: CHANNELS.payments,
        text: `'=HYPERLINK("http://evil.example") on it`,
        detail: '',
      },
    ]);
    const recorded = await s.db.sql<{ id: string; run_id: string; message_ts: string }[]>`
      select id::text, run_id::text, message_ts from chaser_ack_events order by id`;
    expect(answers.slice(1).map((r) => [r[0], r[1], r[2], r[9]])).toEqual(
      recorded.map((e) => [e.id, dayAfter(11).toISOString(), e.run_id, e.message_ts]),
    );
    // A formula never reaches a spreadsheet: the cell is quoted with a leading '.
    expect(readFileSync(join(s.dir, 'pack', 'answers.csv'), 'utf8')).toContain(`"'=HYPERLINK(""http://evil.example"") on it"`);
    expect(answers.find((r) => r[5] === 'done')?.[13]).toMatch(/^https:\/\/[^/]+\/archives\/C0PAYMENTS1\/p\d+$/);

    const manifest = JSON.parse(readFileSync(join(s.dir, 'pack', 'manifest.json'), 'utf8')) as {
      files: Record<string, { sha256: string; rows?: number }>;
      answerChain: { rows: number; head: string };
    };
    expect(manifest.files['answers.csv']).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), rows: 3 });
    expect(manifest.answerChain).toMatchObject({ rows: 3, head: answers[3]?.[14] });
    const summary = readFileSync(join(s.dir, 'pack', 'summary.md'), 'utf8');
    expect(summary).toContain('3 answers read back from Slack');
    expect(summary).toContain('| claimed done | 1 |');
    expect(summary).toContain('| disputed ("not ours") | 1 |');
    expect(summary).toContain('| a reply or reaction naming nothing | 1 |');
    expect(summary).toContain('| snooze asked | 0 |');

    const verified = await s.run(['evidence', '--verify', 'pack']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/✓ answers\.csv chain: 3 rows linked/);

    // Someone turns the dispute into a claim after the fact.
    const path = join(s.dir, 'pack', 'answers.csv');
    const lines = readFileSync(path, 'utf8').split('\r\n');
    const dispute = lines.findIndex((line) => line.includes(',not_ours,'));
    lines[dispute] = lines[dispute]!.replace(',not_ours,', ',done,');
    writeFileSync(path, lines.join('\r\n'));
    const altered = await s.run(['evidence', '--verify', 'pack']);
    expect(altered.code).toBe(65);
    expect(altered.stdout).toMatch(/✗ answers\.csv: altered: SHA-256/);
    expect(altered.stdout).toMatch(/✗ answers\.csv chain: row \d \(event id \d+, consumer "search-3"\) does not follow/);
  });

  it('--from/--to bound the answers by when they were read; another campaign gets none of them', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args), s.slack);
    expect((await s.run(['evidence', '--key', KEY, '--out', 'before', '--to', dayAfter(10).toISOString()])).code).toBe(0);
    expect(csv('before', 'answers.csv')).toHaveLength(1);
    expect(readFileSync(join(s.dir, 'before', 'summary.md'), 'utf8')).toContain('No answer was read back from Slack for this campaign');
    expect((await s.run(['evidence', '--key', OTHER_KEY, '--out', 'other'])).code).toBe(0);
    // search was chased about search-ui (the other key) in the same all-keys thread: only the dispute
    // names a consumer, and reranker is not the other campaign's.
    expect(csv('other', 'answers.csv')).toHaveLength(1);
    expect((await s.run(['evidence', '--verify', 'other'])).code).toBe(0);
  });
});
