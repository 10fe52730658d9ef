/**
 * The harvest against Slack's read limits: per open thread, how many calls it costs, and how long
 * N threads take against a fake Slack that answers 429 past a per-method budget (Tier 3: 50 calls
 * a minute per method). Time is scaled: the fake's window is 60 s / SCALE, so a minute of Slack
 * passes in 60/SCALE seconds and the wall time here × SCALE is the bound in real minutes.
 *
 *   npm run bench:harvest -- 100 2000
 *   TEST_DATABASE_URL=postgres://… npm run bench:harvest -- --sweep 100 2000 [--cli=/other/build/bin/chaser.js]
 *
 * The threads: every team has a parent and one chaser reply; one in ten has news (a person's
 * reply and a ✅ on the parent), the rest are quiet. What is measured is readThread (the Slack part
 * of the harvest stage) through the same paced, per-method reader a sweep uses.
 *
 * `--sweep` measures the whole compiled CLI instead: a first sweep opens every team's thread, a
 * second (three days later, every team due again, nobody answered) harvests them against the same
 * limits and nudges; what is reported is when its first, median and last nudge landed, counted from
 * its first thread read (the harvest's start), scaled to real minutes at Tier 3. Everything else in
 * that span (database, posts) is scaled ×60 too, so the figures are upper bounds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebClient, LogLevel } from '@slack/web-api';
import { silentLog } from '../src/log.js';
import { featuresFrom, readThread } from '../src/slack/deliver/harvest.js';
import { createSlackReader } from '../src/slack/deliver/reader.js';
import { HARVEST_BUDGET_MS } from '../src/pipeline/stages/harvest-answers.js';
import { DEFAULT_SCOPES, startFakeSlack } from '../test/support/fake-slack.js';
import { insertConsumers, startTestDatabase } from '../test/support/db.js';

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

/** The built binary; `--cli=<path>` runs another build (e.g. the flow before this change, for "before"). */
const CLI =
  process.argv.find((a) => a.startsWith('--cli='))?.slice('--cli='.length) ??
  fileURLToPath(new URL('../../bin/chaser.js', import.meta.url));
const DAY_MS = 86_400_000;
const SWEEP_START = new Date('2026-03-09T09:00:00Z');

/** The compiled CLI once: its exit code and stderr's tail. */
function sweep(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env } });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, tail: stderr }));
  });
}

async function sweepOnce(teams: number): Promise<Record<string, number | string>> {
  // Migrated by the CLI itself (from .build/ the migrations are not where src/db/migrate.ts looks).
  const db = await startTestDatabase({ migrated: false });
  const slack = await startFakeSlack({
    scopes: [...DEFAULT_SCOPES, ...SCOPES],
    users: [{ id: 'U0SECLEAD01', email: 'lead@example.com' }],
    methodLimits: {
      'conversations.history': TIER3_PER_MINUTE,
      'conversations.replies': TIER3_PER_MINUTE,
      'reactions.get': TIER3_PER_MINUTE,
    },
    rateWindowMs: 60_000 / SCALE,
  });
  const dir = mkdtempSync(join(tmpdir(), 'chaser-bench-harvest-'));
  try {
    const config: Record<string, { channel: string }> = {};
    for (let i = 0; i < teams; i += 1) {
      const id = `C${String(i).padStart(9, '0')}`;
      slack.addChannel({ id, name: `team-${i}` });
      config[`team-${i}`] = { channel: id };
    }
    slack.addChannel({ id: 'C0SECURITY1', name: 'security' });
    writeFileSync(
      join(dir, 'chaser.config.json'),
      JSON.stringify({
        teams: config,
        digest: { channel: 'C0SECURITY1' },
        slack: { perChannelIntervalMs: 0, retries: 0, timeoutMs: 10_000 },
      }),
    );
    const env = { DATABASE_URL: db.url, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.url };
    const migrated = await sweep(['migrate'], env, dir);
    if (migrated.code !== 0) throw new Error(`migrate exited ${String(migrated.code)}: ${migrated.tail}`);
    await insertConsumers(
      db.sql,
      Array.from({ length: teams }, (_, i) => ({
        id: `c-${i}`,
        owner_team: `team-${i}`,
        rotation_deadline: new Date(SWEEP_START.getTime() - DAY_MS),
      })),
    );
    const at = (days: number) => new Date(SWEEP_START.getTime() + days * DAY_MS).toISOString();
    const first = await sweep(['sweep', '--now', at(0), '--no-digest'], env, dir);
    if (first.code !== 3) throw new Error(`the first sweep exited ${String(first.code)}: ${first.tail}`);
    slack.reset();
    const started = performance.now();
    const second = await sweep(['sweep', '--now', at(3), '--no-digest'], env, dir);
    const wallMs = performance.now() - started;
    if (second.code !== 3) throw new Error(`the second sweep exited ${String(second.code)}: ${second.tail}`);
    const reads = slack.requests.filter((r) => r.method === 'conversations.history');
    const harvestAt = reads[0]?.receivedAt ?? started;
    const lastReadAt = reads.at(-1)?.receivedAt ?? harvestAt;
    const nudges = slack.requests
      .filter((r) => r.method === 'chat.postMessage' && r.status === 200 && r.params['thread_ts'] !== undefined)
      .map((r) => r.receivedAt - harvestAt);
    return {
      teams,
      nudged: nudges.length,
      historyCalls: reads.length,
      wallSeconds: Number((wallMs / 1000).toFixed(1)),
      startupSeconds: Number(((harvestAt - started) / 1000).toFixed(1)),
      harvestRealMinutes: realMinutes(lastReadAt - harvestAt),
      firstNudgeRealMinutes: realMinutes(nudges[0] ?? Number.NaN),
      medianNudgeRealMinutes: realMinutes(nudges[Math.floor(nudges.length / 2)] ?? Number.NaN),
      lastNudgeRealMinutes: realMinutes(nudges.at(-1) ?? Number.NaN),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([slack.close(), db.stop()]);
  }
}

const args = process.argv.slice(2);
const whole = args.includes('--sweep');
const sizes = args.map(Number).filter((n) => Number.isInteger(n) && n > 0);
for (const teams of sizes.length > 0 ? sizes : [100, 2000]) {
  console.log(JSON.stringify(whole ? await sweepOnce(teams) : await benchOnce(teams)));
}
