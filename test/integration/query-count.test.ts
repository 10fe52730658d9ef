import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import type { RunMode, RunResult } from '../../src/run/types.js';
import type { CommandContext } from '../../src/commands/context.js';
import { configFromObject } from '../../src/config/load.js';
import { silentLog } from '../../src/log.js';
import { createRedactor } from '../../src/redact.js';
import { backend, insertConsumers, startTestDatabase, type TestDatabase } from '../support/db.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { NOW } from '../support/clock.js';

/**
 * The sweep's SQL is set-based: one read however many consumers, at most one write per team
 * (teams delivered while a write is in flight share the next). So its statement count may grow
 * with the number of teams, by at most one per team, and never with the number of consumers.
 * (A per-consumer round trip would make a million-row sweep take hours.) With one Slack lane no
 * two deliveries overlap, so here it is exactly one per team.
 *
 * Runs the real pipeline in process, so the count is RunResult.stats.queries: every statement
 * chaser's pool sent. slack.concurrency is 1 so the pool opens the same connections every run:
 * postgres.js sends one type lookup per new connection, and that count should not depend on luck.
 */

const FIVE_DAYS_AGO = new Date(NOW.getTime() - 5 * 24 * 60 * 60 * 1000);
const TOKEN = 'xoxb-query-count-test';
const DIGEST_CHANNEL = 'C0DIGEST01';
const MAX_TEAMS = 30;

const teamKey = (i: number) => `team-${String(i).padStart(2, '0')}`;
const channelOf = (i: number) => `C0TEAM${String(i).padStart(4, '0')}`;

describe(`sweep query count (${backend})`, () => {
  let db: TestDatabase;
  let slack: FakeSlack;

  beforeAll(async () => {
    [db, slack] = await Promise.all([
      startTestDatabase(),
      startFakeSlack({
        token: TOKEN,
        channels: [
          { id: DIGEST_CHANNEL, name: 'security' },
          ...Array.from({ length: MAX_TEAMS }, (_, i) => ({ id: channelOf(i), name: teamKey(i) })),
        ],
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([db?.stop(), slack?.close()]);
  });

  /** A fresh campaign of `teams` teams with `perTeam` overdue consumers each (all due), then one run. */
  async function runOver(command: RunMode, teams: number, perTeam: number, threads: 'reply' | 'off' = 'reply'): Promise<RunResult> {
    await db.reset();
    slack.reset();
    await insertConsumers(
      db.sql,
      Array.from({ length: teams * perTeam }, (_, n) => ({
        id: `c-${n}`,
        owner_team: teamKey(n % teams),
        rotation_deadline: FIVE_DAYS_AGO,
      })),
    );
    const config = configFromObject(
      {
        database: { url: db.url },
        teams: Object.fromEntries(Array.from({ length: teams }, (_, i) => [teamKey(i), { channel: channelOf(i) }])),
        digest: { channel: DIGEST_CHANNEL },
        slack: { concurrency: 1, perChannelIntervalMs: 0, retries: 0 },
        threads,
      },
      'the query-count test config',
    );
    const result = await runPipeline(context(), {
      command,
      config,
      now: NOW,
      failOn: 'never',
      digest: true,
      slackToken: TOKEN,
      slackApiUrl: slack.url,
    });
    // The count only means something for a run that did the whole job.
    expect(result.exitCode).toBe(0);
    expect(result.plan.teams).toHaveLength(teams);
    if (command === 'sweep') {
      expect([...result.deliveries.values()].every((d) => d.ok)).toBe(true);
      const [recorded] = await db.sql<{ n: number }[]>`select count(*)::int as n from chaser_nudge_state`;
      expect(recorded?.n).toBe(teams * perTeam);
    }
    return result;
  }

  it('a sweep issues one more statement per team, and none per consumer (threads off, as v0.1)', async () => {
    const few = await runOver('sweep', 3, 10, 'off');
    const fewLarger = await runOver('sweep', 3, 100, 'off');
    const many = await runOver('sweep', MAX_TEAMS, 10, 'off');
    const manyLarger = await runOver('sweep', MAX_TEAMS, 100, 'off');

    expect(fewLarger.stats.queries).toBe(few.stats.queries); // 10× the consumers, the same statements
    expect(manyLarger.stats.queries).toBe(many.stats.queries);
    expect(many.stats.queries - few.stats.queries).toBe(MAX_TEAMS - 3); // exactly one write per extra team
    // And one Slack message per team, whatever its size.
    expect(fewLarger.stats.slackCalls).toBe(few.stats.slackCalls);
    expect(many.stats.slackCalls - few.stats.slackCalls).toBe(MAX_TEAMS - 3);
  });

  it("with living threads, opening each team's thread is one more statement per team, and none per consumer", async () => {
    const few = await runOver('sweep', 3, 10, 'reply');
    const manyLarger = await runOver('sweep', MAX_TEAMS, 100, 'reply');
    expect(manyLarger.stats.queries - few.stats.queries).toBe(2 * (MAX_TEAMS - 3)); // the nudges' write and the thread's
    expect(manyLarger.stats.slackCalls - few.stats.slackCalls).toBe(MAX_TEAMS - 3); // the parent is the nudge
  });

  it('a dry-run issues the same statements however many teams and consumers', async () => {
    const small = await runOver('dry-run', 3, 10);
    const large = await runOver('dry-run', MAX_TEAMS, 100);
    expect(large.stats.queries).toBe(small.stats.queries);
    expect(small.stats.slackCalls).toBe(0);
  });
});

function context(): CommandContext {
  return {
    env: {},
    cwd: process.cwd(),
    stdout: () => {},
    stderr: () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    log: silentLog,
    redact: createRedactor([TOKEN]),
    signal: new AbortController().signal,
    version: '0.0.0-test',
  };
}
