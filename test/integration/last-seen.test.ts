import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { checkPostMessage } from '../support/slack-checker.js';
import { DAY_MS as DAY } from '../support/clock.js';
import { ANA, answeringSlack, baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/**
 * Evidence beats claims (issue 10): source.columns.lastSeenOnOldKey, here a view over an access
 * log joined to the inventory, the way a team would map AWS last-used or a Vault audit.
 * Day 0: Monday 2026-03-09, 09:00 UTC, inside the default working hours.
 */
const START = new Date('2026-03-09T09:00:00Z');
const at = (days: number, hours = 0) => new Date(START.getTime() + days * DAY + hours * 3_600_000);
const day = (days: number, hours = 0) => at(days, hours).toISOString();

const withEvidence = (column = 'last_used', extra: Record<string, unknown> = {}) => ({
  ...baseConfig(),
  source: { table: 'inventory_with_usage', columns: { lastSeenOnOldKey: column } },
  ...extra,
});

describe(`evidence from lastSeenOnOldKey (${backend})`, () => {
  const s = useScenario({
    slack: answeringSlack(),
    config: withEvidence(),
  });

  beforeAll(async () => {
    await s.db.sql`create table key_usage (consumer_id text primary key, last_used timestamptz, last_used_text text, uses integer)`;
    await s.db.sql`create view inventory_with_usage as
      select c.*, u.last_used, u.last_used_text, u.uses from rotation_consumers c left join key_usage u on u.consumer_id = c.id`;
  });
  beforeEach(async () => {
    await s.db.sql`truncate key_usage`;
  });

  const seed = () =>
    insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: at(-1) },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: at(-1) },
    ]);
  const used = (consumerId: string, lastUsed: Date | null, text: string | null = null) =>
    s.db.sql`insert into key_usage values (${consumerId}, ${lastUsed}, ${text}, 1)
             on conflict (consumer_id) do update set last_used = excluded.last_used, last_used_text = excluded.last_used_text`;
  const sweep = async (when: string, args: string[] = []) => {
    const run = await s.run(['sweep', '--now', when, ...args]);
    expect(run.code, run.stderr).toBe(3);
    return run;
  };
  const paymentsPosts = () => s.slack.posts().filter((p) => p.channelId === CHANNELS.payments);
  const lastDigest = () =>
    JSON.stringify(
      s.slack
        .posts()
        .filter((p) => p.channelId === CHANNELS.security)
        .at(-1)?.blocks,
    );

  it('a claim still seen on the old key after it re-escalates at once, in the thread, quoting when it was seen', async () => {
    await seed();
    await sweep(day(0), ['--no-digest']);
    const parentTs = paymentsPosts()[0]?.ts ?? '';
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'done checkout-api');
    await sweep(day(0, 2), ['--no-digest']); // harvested: claimed, held until day 2
    const posts = paymentsPosts().length;

    // The access log says checkout-api used the old key two hours after the claim.
    await used('pay-1', at(0, 4));
    // 6 hours after the last nudge, neither gentle's 72h nor firm's 24h have passed: only the evidence makes it due.
    await sweep(day(0, 6), ['--no-digest']);
    const reply = paymentsPosts().at(-1);
    expect(paymentsPosts().length).toBeGreaterThan(posts);
    expect(reply?.params['thread_ts']).toBe(parentTs);
    const text = JSON.stringify(reply?.blocks);
    expect(text).toContain('claimed done by <@U0ANA00001> on 2026-03-09, still seen on the old key at 2026-03-09 13:00 UTC');
    // The tier rose (gentle → firm), so the reply is shown in the channel too.
    expect(reply?.params['reply_broadcast']).toBe('true');
    expect(checkPostMessage(reply!.params, { allowedMentions: ['S0PAYONCALL', ANA] })).toEqual([]);
    const state = await s.db.sql`select consumer_id, last_tier, nudge_count from chaser_nudge_state order by consumer_id`;
    expect(state).toEqual([
      { consumer_id: 'pay-1', last_tier: 'firm', nudge_count: 2 },
      { consumer_id: 'pay-2', last_tier: 'gentle', nudge_count: 1 },
    ]);

    // Once re-nudged, firm's cadence holds: the next run does not nudge it again.
    const after = paymentsPosts().length;
    await sweep(day(0, 7), ['--no-digest']);
    expect(paymentsPosts()).toHaveLength(after);
  });

  it('a consumer quiet on the old key for quietFor is flagged to its team; the digest and --json count the evidence', async () => {
    await seed();
    await used('pay-1', at(0, -2)); // seen after its deadline (day -1)
    await used('pay-2', at(-9)); // quiet for 9 days: looks done
    // dry-run shows the same, posting nothing.
    const dry = await s.run(['dry-run', '--now', day(0)]);
    expect(dry.code, dry.stderr).toBe(3);
    expect(dry.stdout).toContain('1 consumer seen on a revoked key after its deadline');
    expect(dry.stdout.replace(/\s+/g, ' ')).toContain(
      'refunds-worker: not seen on the old key since 2026-02-28: looks done — confirm in the inventory',
    );
    expect(s.slack.posts()).toHaveLength(0);

    const run = await sweep(day(0), ['--json']);
    const parent = paymentsPosts()[0];
    const message = JSON.stringify(parent?.blocks);
    expect(message).toContain('*refunds-worker*: not seen on the old key since 2026-02-28: looks done — confirm in the inventory');
    expect(message).not.toContain('*checkout-api*: not seen');
    // Looking done changes nothing by itself: both are still chased, the inventory decides.
    const result = JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>>; evidence: unknown };
    const payments = result.teams.find((t) => t['team'] === 'payments');
    expect(payments?.['consumers']).toEqual(['pay-1', 'pay-2']);
    expect(payments?.['evidence']).toEqual({ seenAfterDeadline: 1, looksDone: ['pay-2'], contradicted: [] });
    expect(result.evidence).toEqual({ seenAfterDeadline: 1, looksDone: 1, contradicted: 0, unreadable: 0 });

    const digest = lastDigest();
    expect(digest).toContain('1 consumer seen on a revoked key after its deadline');
    expect(digest).toContain('1 consumer not seen on the old key lately: look done, to confirm in the inventory');
  });

  it('quietFor is the threshold: a consumer seen within it is not flagged', async () => {
    s.writeConfig(withEvidence('last_used', { answers: { quietFor: '10d' } }));
    await seed();
    await used('pay-2', at(-9));
    const run = await sweep(day(0), ['--json', '--no-digest']);
    expect(JSON.stringify(paymentsPosts()[0]?.blocks)).not.toContain('looks done');
    expect((JSON.parse(run.stdout) as { evidence: unknown }).evidence).toMatchObject({ looksDone: 0 });
  });

  it('a mapped column that does not exist, or is not a time, is a config error naming the column and the key', async () => {
    await seed();
    s.writeConfig(withEvidence('last_use'));
    const missing = await s.run(['sweep', '--now', day(0)]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('source.columns.lastSeenOnOldKey: column "last_use" does not exist in table "inventory_with_usage"');
    expect(s.slack.posts()).toHaveLength(0);
    const doctor = await s.run(['doctor']);
    expect(doctor.stdout).toMatch(/✗ source table and mapped columns.*source\.columns\.lastSeenOnOldKey: column "last_use" does not exist/);

    s.writeConfig(withEvidence('uses'));
    const notTime = await s.run(['sweep', '--now', day(0)]);
    expect(notTime.code).toBe(78);
    expect(notTime.stderr).toContain(
      'source.columns.lastSeenOnOldKey: column "uses" of table "inventory_with_usage" has type integer; chaser needs timestamptz',
    );

    s.writeConfig(withEvidence('last_used_text'));
    const ok = await s.run(['doctor']);
    expect(ok.stdout).toMatch(/✓ source table and mapped columns — public\.inventory_with_usage; evidence from last_used_text/);
    expect(ok.stdout).toContain('✓ lastSeenOnOldKey values — 0 row(s) with a last-seen time in last_used_text');
  });

  it('a value that is not an instant is unknown evidence: the run goes on, the row is chased and reported', async () => {
    s.writeConfig(withEvidence('last_used_text'));
    await seed();
    await used('pay-1', null, 'yesterday-ish');
    await used('pay-2', null, '2026-02-20 10:00');
    const run = await sweep(day(0), ['--json']);
    const result = JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>>; evidence: unknown; warnings: string[] };
    expect(result.teams.find((t) => t['team'] === 'payments')?.['consumers']).toEqual(['pay-1', 'pay-2']);
    expect(result.evidence).toEqual({ seenAfterDeadline: 0, looksDone: 1, contradicted: 0, unreadable: 1 });
    const warning = result.warnings.find((w) => w.includes('last_used_text'));
    expect(warning).toContain('1 consumer(s) have a last_used_text (source.columns.lastSeenOnOldKey) that is not an instant');
    expect(warning).toContain('"pay-1"');
    expect(run.stderr).toContain('last_used_text (source.columns.lastSeenOnOldKey)');
    expect(lastDigest()).toContain('1 row with an unreadable last-seen time (treated as unknown)');
    // doctor finds them before any run, in one statement a bad value cannot fail.
    const doctor = await s.run(['doctor']);
    expect(doctor.stdout).toMatch(
      /! lastSeenOnOldKey values — 1 of 2 value\(s\) in last_used_text are not an instant chaser can read .*\n.*ISO 8601/,
    );
  });

  it('threads "off": the top-level message flags a quiet consumer too; a message with nothing to flag is as before', async () => {
    s.writeConfig(withEvidence('last_used', { threads: 'off' }));
    await seed();
    await used('pay-2', at(-9));
    await sweep(day(0), ['--no-digest']);
    const [message] = paymentsPosts();
    expect(message?.params['thread_ts']).toBeUndefined();
    const blocks = JSON.stringify(message?.blocks);
    expect(blocks).toContain('*refunds-worker*: not seen on the old key since 2026-02-28: looks done — confirm in the inventory');
    expect(blocks).not.toContain('Answer in this thread');

    await s.db.sql`truncate key_usage`;
    await sweep(day(3), ['--no-digest']);
    expect(JSON.stringify(paymentsPosts().at(-1)?.blocks)).not.toContain('looks done');
  });

  it('not mapped: nothing is read or said about evidence, and --json has no evidence fields', async () => {
    s.writeConfig({ ...baseConfig(), source: { table: 'inventory_with_usage' } });
    await seed();
    await used('pay-2', at(-9));
    const run = await sweep(day(0), ['--json']);
    const result = JSON.parse(run.stdout) as Record<string, unknown> & { teams: Array<Record<string, unknown>> };
    expect(result).not.toHaveProperty('evidence');
    expect(result.teams[0]).not.toHaveProperty('evidence');
    expect(JSON.stringify(paymentsPosts()[0]?.blocks)).not.toContain('looks done');
    expect(lastDigest()).not.toContain('Evidence');
  });
});
