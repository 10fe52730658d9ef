/**
 * The harvest against Slack's read limits: per open thread, how many calls it costs, and how long
 * N threads take against a fake Slack that answers 429 past a per-method budget (Tier 3: 50 calls
 * a minute per method). Time is scaled: the fake's window is 60 s / SCALE, so a minute of Slack
 * passes in 60/SCALE seconds and the wall time here × SCALE is the bound in real minutes.
 *
 *   npm run bench:harvest -- 100 2000
 *
 * The threads: every team has a parent and one chaser reply; one in ten has news (a person's
 * reply and a ✅ on the parent), the rest are quiet. What is measured is readThread (the Slack part
 * of the harvest stage) through the same paced, per-method reader a sweep uses.
 */
import { performance } from 'node:perf_hooks';
import { WebClient, LogLevel } from '@slack/web-api';
import { silentLog } from '../src/log.js';
import { featuresFrom, readThread } from '../src/slack/deliver/harvest.js';
import { createSlackReader } from '../src/slack/deliver/reader.js';
import { HARVEST_BUDGET_MS } from '../src/pipeline/stages/harvest-answers.js';
import { startFakeSlack } from '../test/support/fake-slack.js';

const SCALE = 60;
const realMinutes = (scaledMs: number) => Number(((scaledMs * SCALE) / 60_000).toFixed(2));
const TIER3_PER_MINUTE = 50;
const CONCURRENCY = 8;
const SCOPES = ['chat:write', 'channels:history', 'reactions:read', 'reactions:write', 'users:read', 'usergroups:read'];

async function benchOnce(teams: number): Promise<Record<string, number | string>> {
  const slack = await startFakeSlack({
    scopes: SCOPES,
    users: [{ id: 'U0ANA00001', email: 'ana@example.com' }],
    methodLimits: {
      'conversations.history': TIER3_PER_MINUTE,
      'conversations.replies': TIER3_PER_MINUTE,
      'reactions.get': TIER3_PER_MINUTE,
    },
    rateWindowMs: 60_000 / SCALE,
  });
  try {
    const setup = new WebClient(slack.token, { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    const threads: Array<Parameters<typeof readThread>[1]> = [];
    for (let i = 0; i < teams; i += 1) {
      const id = `C${String(i).padStart(9, '0')}`;
      slack.addChannel({ id, name: `team-${i}` });
      const parent = String((await setup.chat.postMessage({ channel: id, text: 'status' })).ts);
      const reply = String((await setup.chat.postMessage({ channel: id, text: 'nudge', thread_ts: parent })).ts);
      if (i % 10 === 0) {
        slack.reply(id, parent, 'U0ANA00001', 'done');
        slack.react(id, parent, 'U0ANA00001', 'white_check_mark');
      }
      // The state after the last run: it had seen chaser's own reply.
      threads.push({
        channel: id,
        parentTs: parent,
        replyCursor: reply,
        seenReplyCount: 1,
        seenLatestReply: reply,
        latestOwnReplyTs: reply,
      });
    }
    slack.reset();
    const client = new WebClient(slack.token, {
      slackApiUrl: slack.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
    const reader = createSlackReader({ client, maxRetryAfterSeconds: 120, signal: new AbortController().signal, log: silentLog });
    const features = featuresFrom(SCOPES);
    const started = performance.now();
    let next = 0;
    let incomplete = 0;
    // When each thread's harvest was done: the earliest its team's nudge could go out.
    const doneAt: number[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < threads.length) {
          const thread = threads[next++]!;
          const read = await readThread(reader, thread, features);
          if (read.kind !== 'read' || read.incomplete) incomplete += 1;
          doneAt.push(performance.now() - started);
        }
      }),
    );
    const wallMs = performance.now() - started;
    const calls = [...reader.calls.values()].reduce((a, b) => a + b, 0);
    const rateLimited = slack.requests.filter((r) => r.status === 429).length;
    return {
      teams,
      calls,
      callsPerTeam: Number((calls / teams).toFixed(2)),
      answered429: rateLimited,
      accepted: calls - rateLimited,
      acceptedPerTeam: Number(((calls - rateLimited) / teams).toFixed(2)),
      byMethod: JSON.stringify(Object.fromEntries(reader.calls)),
      wallSeconds: Number((wallMs / 1000).toFixed(1)),
      realMinutesAtTier3: Number(((wallMs * SCALE) / 60_000).toFixed(1)),
      // Today a sweep nudges nobody before the whole harvest (capped at 10 min): its first nudge
      // waits for the last thread. Nudging each team once its own thread is read, the first could
      // go after the first thread, half of them after the median one.
      firstThreadReadRealMinutes: realMinutes(doneAt[0] ?? 0),
      medianThreadReadRealMinutes: realMinutes(doneAt[Math.floor(doneAt.length / 2)] ?? 0),
      todayFirstNudgeRealMinutes: Math.min(realMinutes(wallMs), HARVEST_BUDGET_MS / 60_000),
      incomplete,
    };
  } finally {
    await slack.close();
  }
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
for (const teams of sizes.length > 0 ? sizes : [100, 2000]) {
  console.log(JSON.stringify(await benchOnce(teams)));
}
