import type { Sql } from '../../src/db/connect.js';
import { insertConsumers } from './db.js';
import type { FakeSlack, FakeSlackOptions } from './fake-slack.js';
import { ANA, answeringSlack, CHANNELS } from './scenario.js';

export const KEY = 'kms/payments-2026-03';
export const OTHER_KEY = 'kms/search-2026-03';
/** The deadline of the played campaign; every run below is "as of" a day after it. */
export const DEADLINE = new Date('2026-03-02T00:00:00Z');
export const dayAfter = (days: number) => new Date(DEADLINE.getTime() + days * 86_400_000 + 9 * 3_600_000);

/** The people who answer in the teams' threads when the campaign is played with answers. */
export { ANA };
export const SAM = 'U0SAM00001'; // search has no mention: any person answers for it

/** The fake Slack of a campaign played with answers: history and reaction scopes, payments' user group. */
export const ANSWERING_SLACK: FakeSlackOptions = answeringSlack({ id: SAM, email: 'sam@example.com' });

/**
 * Day 10, in the threads chaser opened: payments claims ledger-sync done and says something that
 * names no consumer; search disputes reranker (found late, on day 8).
 */
function answerInThreads(slack: FakeSlack): void {
  const parent = (channel: string) => {
    const post = slack
      .posts()
      .filter((p) => p.channelId === channel && p.params['thread_ts'] === undefined)
      .at(-1);
    if (!post?.ts) throw new Error(`no thread parent in ${channel}`);
    return post.ts;
  };
  slack.reply(CHANNELS.payments, parent(CHANNELS.payments), ANA, 'done ledger-sync');
  slack.reply(CHANNELS.payments, parent(CHANNELS.payments), ANA, '=HYPERLINK("http://evil.example") on it');
  slack.reply(CHANNELS.search, parent(CHANNELS.search), SAM, 'not ours reranker @identity');
}

/**
 * A campaign played over three weeks against the CLI: sweeps on days 1–19 (as of 09:00 UTC),
 * consumers confirming along the way, a late scope addition on day 5, an exemption and a removal
 * on day 8, a digest on day 12. `run` is the scenario's CLI runner. With `answers` (the fake Slack,
 * started with ANSWERING_SLACK), also a consumer found late on day 8 and sweeps on days 10 and 11,
 * the second reading back the answers given in the threads on day 10 (answerInThreads).
 */
export async function playCampaign(
  sql: Sql,
  run: (args: string[]) => Promise<{ code: number | null; stderr: string }>,
  answers?: FakeSlack,
): Promise<void> {
  await insertConsumers(sql, [
    ...['checkout-api', 'refunds-worker', 'ledger-sync'].map((name, i) => ({
      id: `pay-${i + 1}`,
      name,
      owner_team: 'payments',
      key_id: KEY,
      rotation_deadline: DEADLINE,
    })),
    ...['indexer', 'crawler'].map((name, i) => ({
      id: `search-${i + 1}`,
      name,
      owner_team: 'search',
      key_id: KEY,
      rotation_deadline: DEADLINE,
    })),
    { id: 'id-1', name: 'sso-bridge', owner_team: 'identity', key_id: KEY, rotation_deadline: DEADLINE },
    { id: 'other-1', name: 'search-ui', owner_team: 'search', key_id: OTHER_KEY, rotation_deadline: DEADLINE },
  ]);
  const sweep = async (day: number, command = 'sweep') => {
    const result = await run([command, '--now', dayAfter(day).toISOString()]);
    if (result.code !== 3 && result.code !== 0) throw new Error(`${command} on day ${day} exited ${result.code}: ${result.stderr}`);
  };
  await sweep(1);
  await sql`update rotation_consumers set status = 'confirmed' where id in ('pay-1', 'search-1')`;
  await sweep(3);
  // Scope raised late: two consumers found on day 5, due a week later.
  await insertConsumers(sql, [
    { id: 'pay-late-1', name: 'fraud-scorer', owner_team: 'payments', key_id: KEY, rotation_deadline: dayAfter(7) },
    { id: 'pay-late-2', name: 'payouts', owner_team: 'payments', key_id: KEY, rotation_deadline: dayAfter(7) },
  ]);
  await sweep(5);
  await sql`update rotation_consumers set status = 'exempt' where id = 'search-2'`;
  await sql`delete from rotation_consumers where id = 'id-1'`;
  await sweep(8);
  if (answers) {
    await insertConsumers(sql, [{ id: 'search-3', name: 'reranker', owner_team: 'search', key_id: KEY, rotation_deadline: dayAfter(8) }]);
    await sweep(10);
    answerInThreads(answers);
    // Read back by the sweep of day 11: the claim is within claimGrace (2d) at the digest of day 12.
    await sweep(11);
  }
  await sql`update rotation_consumers set status = 'confirmed' where id = 'pay-2'`;
  await sweep(12, 'digest');
  await sql`update rotation_consumers set status = 'confirmed' where id in ('pay-late-1')`;
  await sweep(15);
  await sweep(19);
}
