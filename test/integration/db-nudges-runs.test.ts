import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNudgeRecorder } from '../../src/db/nudge-recorder.js';
import { recordNudges, type TeamNudges } from '../../src/db/nudges.js';
import { finishRun, startRun } from '../../src/db/runs.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';
import { NOW } from '../support/clock.js';

const NEXT_DAY = new Date('2026-03-11T09:00:00Z');

describe(`runs and nudge records on ${backend}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    await db.reset();
  });

  const stateOf = () =>
    db.sql<{ consumer_id: string; nudge_count: number; first_nudged_at: Date; last_nudged_at: Date; last_tier: string }[]>`
      select consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier from chaser_nudge_state order by consumer_id`;
  const logOf = () =>
    db.sql<{ run_id: string; consumer_id: string; team: string; tier: string; channel: string; message_ts: string; nudged_at: Date }[]>`
      select run_id::text, consumer_id, team, tier, channel, message_ts, nudged_at from chaser_nudge_log order by id`;

  describe('startRun / finishRun', () => {
    it('opens a run with its command, as-of instant and filters, and leaves it unfinished', async () => {
      const id = await startRun(db.sql, { command: 'sweep', now: NOW, filters: { teams: ['payments', 'search'], keyId: 'kms/k' } });
      const [run] =
        await db.sql`select command, as_of, filters, started_at is not null as started, finished_at, exit_code, outcome from chaser_runs where id = ${id}::bigint`;
      expect(run).toEqual({
        command: 'sweep',
        as_of: NOW,
        filters: { teams: ['payments', 'search'], keyId: 'kms/k' },
        started: true,
        finished_at: null,
        exit_code: null,
        outcome: null,
      });
    });

    it('gives each run its own id and records no empty filters', async () => {
      const first = await startRun(db.sql, { command: 'digest', now: NOW, filters: { teams: [] } });
      const second = await startRun(db.sql, { command: 'sweep', now: NOW, filters: {} });
      expect(first).not.toBe(second);
      expect(await db.sql`select filters from chaser_runs order by id`).toEqual([{ filters: {} }, { filters: {} }]);
    });

    it('records the outcome and the finish time', async () => {
      const id = await startRun(db.sql, { command: 'sweep', now: NOW, filters: {} });
      await finishRun(db.sql, id, {
        outstanding: 12,
        nudged: 9,
        teamsMessaged: 3,
        teamsFailed: 1,
        digestDelivered: true,
        exitCode: 4,
        outcome: '1 team message(s) not delivered: search (channel_not_found)',
      });
      const [run] = await db.sql`select outstanding, nudged, teams_messaged, teams_failed, digest_delivered, exit_code, outcome,
                                        finished_at >= started_at as finished from chaser_runs where id = ${id}::bigint`;
      expect(run).toEqual({
        outstanding: 12,
        nudged: 9,
        teams_messaged: 3,
        teams_failed: 1,
        digest_delivered: true,
        exit_code: 4,
        outcome: '1 team message(s) not delivered: search (channel_not_found)',
        finished: true,
      });
    });

    it('keeps a null exit code for an interrupted run', async () => {
      const id = await startRun(db.sql, { command: 'sweep', now: NOW, filters: {} });
      await finishRun(db.sql, id, {
        outstanding: 1,
        nudged: 0,
        teamsMessaged: 0,
        teamsFailed: 0,
        digestDelivered: false,
        exitCode: null,
        outcome: 'interrupted',
      });
      expect(await db.sql`select exit_code, outcome from chaser_runs`).toEqual([{ exit_code: null, outcome: 'interrupted' }]);
    });

    it('refuses to finish a run that does not exist', async () => {
      await expect(
        finishRun(db.sql, '999999', {
          outstanding: 0,
          nudged: 0,
          teamsMessaged: 0,
          teamsFailed: 0,
          digestDelivered: false,
          exitCode: 0,
          outcome: 'ok',
        }),
      ).rejects.toThrow('finishRun: run 999999 not found');
    });
  });

  describe('recordNudges', () => {
    let runId: string;
    const run = (now = NOW) => ({ runId, now });
    const message = (overrides: Partial<TeamNudges> = {}): TeamNudges => ({
      team: 'payments',
      channel: 'C0PAYMENTS1',
      messageTs: '1773133200.000100',
      ids: ['checkout-api', 'refunds-worker'],
      tiers: ['critical', 'urgent'],
      ...overrides,
    });

    beforeEach(async () => {
      runId = await startRun(db.sql, { command: 'sweep', now: NOW, filters: {} });
    });

    it('first nudge: a state row per consumer (count 1, first = last = now) and a log row per consumer', async () => {
      expect(await recordNudges(db.sql, run(), [message()])).toBe(2);
      expect(await stateOf()).toEqual([
        { consumer_id: 'checkout-api', nudge_count: 1, first_nudged_at: NOW, last_nudged_at: NOW, last_tier: 'critical' },
        { consumer_id: 'refunds-worker', nudge_count: 1, first_nudged_at: NOW, last_nudged_at: NOW, last_tier: 'urgent' },
      ]);
      expect(await logOf()).toEqual([
        {
          run_id: runId,
          consumer_id: 'checkout-api',
          team: 'payments',
          tier: 'critical',
          channel: 'C0PAYMENTS1',
          message_ts: '1773133200.000100',
          nudged_at: NOW,
        },
        {
          run_id: runId,
          consumer_id: 'refunds-worker',
          team: 'payments',
          tier: 'urgent',
          channel: 'C0PAYMENTS1',
          message_ts: '1773133200.000100',
          nudged_at: NOW,
        },
      ]);
    });

    it('next nudge: the count moves by one, the first instant stays, the last instant and tier move; the log only grows', async () => {
      await recordNudges(db.sql, run(), [message()]);
      const nextRun = await startRun(db.sql, { command: 'sweep', now: NEXT_DAY, filters: {} });
      const next = [message({ messageTs: '1773219600.000200', ids: ['refunds-worker'], tiers: ['critical'] })];
      expect(await recordNudges(db.sql, { runId: nextRun, now: NEXT_DAY }, next)).toBe(1);
      expect(await stateOf()).toEqual([
        { consumer_id: 'checkout-api', nudge_count: 1, first_nudged_at: NOW, last_nudged_at: NOW, last_tier: 'critical' },
        { consumer_id: 'refunds-worker', nudge_count: 2, first_nudged_at: NOW, last_nudged_at: NEXT_DAY, last_tier: 'critical' },
      ]);
      const log = await logOf();
      expect(log).toHaveLength(3);
      expect(log[2]).toMatchObject({
        run_id: nextRun,
        consumer_id: 'refunds-worker',
        tier: 'critical',
        message_ts: '1773219600.000200',
        nudged_at: NEXT_DAY,
      });
    });

    it('several teams in one statement: each consumer is logged with its own team, channel and message', async () => {
      const search = message({
        team: 'search',
        channel: 'C0SEARCH01',
        messageTs: '1773133201.000300',
        ids: ['indexer'],
        tiers: ['gentle'],
      });
      expect(await recordNudges(db.sql, run(), [message(), search])).toBe(3);
      expect((await logOf()).map((row) => [row.consumer_id, row.team, row.channel, row.message_ts, row.tier])).toEqual([
        ['checkout-api', 'payments', 'C0PAYMENTS1', '1773133200.000100', 'critical'],
        ['indexer', 'search', 'C0SEARCH01', '1773133201.000300', 'gentle'],
        ['refunds-worker', 'payments', 'C0PAYMENTS1', '1773133200.000100', 'urgent'],
      ]);
      expect((await stateOf()).map((s) => [s.consumer_id, s.nudge_count, s.last_tier])).toEqual([
        ['checkout-api', 1, 'critical'],
        ['indexer', 1, 'gentle'],
        ['refunds-worker', 1, 'urgent'],
      ]);
    });

    it('counts a consumer named twice in one statement once, by its first message', async () => {
      expect(await recordNudges(db.sql, run(), [message({ ids: ['checkout-api', 'checkout-api'], tiers: ['critical', 'critical'] })])).toBe(
        1,
      );
      const again = message({ team: 'other', ids: ['checkout-api'], tiers: ['gentle'] });
      expect(await recordNudges(db.sql, run(NEXT_DAY), [message({ ids: ['checkout-api'], tiers: ['urgent'] }), again])).toBe(1);
      expect((await stateOf()).map((s) => [s.nudge_count, s.last_tier])).toEqual([[2, 'urgent']]);
      expect((await logOf()).map((row) => row.team)).toEqual(['payments', 'payments']);
    });

    it("is atomic per statement: when any row fails, none of its teams' nudges or log rows is recorded", async () => {
      await recordNudges(db.sql, run(), [message()]);
      // A NULL tier violates chaser_nudge_log.tier NOT NULL, but only for one consumer of the second team.
      const broken = message({ team: 'search', ids: ['indexer', 'new-consumer'], tiers: ['gentle', null as unknown as string] });
      await expect(recordNudges(db.sql, run(NEXT_DAY), [message(), broken])).rejects.toMatchObject({ code: '23502' });
      expect((await stateOf()).map((s) => [s.consumer_id, s.nudge_count, s.last_nudged_at])).toEqual([
        ['checkout-api', 1, NOW],
        ['refunds-worker', 1, NOW],
      ]);
      expect(await logOf()).toHaveLength(2);
    });

    it('refuses ids and tiers of different lengths before touching the database, and records nothing for an empty list', async () => {
      await expect(recordNudges(db.sql, run(), [message({ tiers: ['critical'] })])).rejects.toThrow('2 ids but 1 tiers for team payments');
      expect(await recordNudges(db.sql, run(), [message({ ids: [], tiers: [] })])).toBe(0);
      expect(await recordNudges(db.sql, run(), [])).toBe(0);
      expect(await stateOf()).toEqual([]);
    });

    it('takes hostile ids and team names as values', async () => {
      const ids = [`a'); delete from chaser_nudge_state; --`, '{"x","y"}', 'back\\slash'];
      await recordNudges(db.sql, run(), [message({ team: `x', 'y`, ids, tiers: ['gentle', 'gentle', 'gentle'] })]);
      expect((await stateOf()).map((s) => s.consumer_id).sort()).toEqual([...ids].sort());
      expect((await logOf()).map((row) => row.team)).toEqual([`x', 'y`, `x', 'y`, `x', 'y`]);
    });

    it('takes a team of 200,000 consumers (more than a call can take as arguments)', async () => {
      const ids = Array.from({ length: 200_000 }, (_, i) => `c-${i}`);
      expect(await recordNudges(db.sql, run(), [message({ ids, tiers: ids.map(() => 'gentle') })])).toBe(200_000);
    });

    it('needs a real run: a log row always points at one', async () => {
      await expect(recordNudges(db.sql, { runId: '424242', now: NOW }, [message()])).rejects.toMatchObject({ code: '23503' });
      expect(await stateOf()).toEqual([]);
    });
  });

  describe('createNudgeRecorder (group commit)', () => {
    const message = (team: string, ids: string[], tier: string | null = 'firm'): TeamNudges => ({
      team,
      channel: `C0${team.toUpperCase()}`,
      messageTs: '1773133200.000100',
      ids,
      tiers: ids.map(() => tier as string),
    });
    /** Which consumers each transaction wrote: rows of one statement share their xmin. */
    const transactions = async () => {
      const rows = await db.sql<{ consumers: string[] }[]>`
        select array_agg(consumer_id order by consumer_id) as consumers
        from chaser_nudge_log group by xmin::text order by min(id)`;
      return rows.map((row) => row.consumers);
    };

    it('writes a message at once when idle, and the messages delivered meanwhile together in the next statement', async () => {
      const runId = await startRun(db.sql, { command: 'sweep', now: NOW, filters: {} });
      const recorder = createNudgeRecorder(db.sql, { runId, now: NOW });
      await Promise.all([
        recorder.record(message('payments', ['p1', 'p2'])),
        recorder.record(message('search', ['s1'])),
        recorder.record(message('identity', ['i1'])),
      ]);
      await recorder.record(message('mobile', ['m1']));
      expect(await transactions()).toEqual([['p1', 'p2'], ['i1', 's1'], ['m1']]);
      expect((await logOf()).map((row) => `${row.consumer_id} ${row.team} ${row.channel}`).sort()).toEqual([
        'i1 identity C0IDENTITY',
        'm1 mobile C0MOBILE',
        'p1 payments C0PAYMENTS',
        'p2 payments C0PAYMENTS',
        's1 search C0SEARCH',
      ]);
    });

    it('a failed merged statement is retried message by message: only the message that cannot be recorded is rejected', async () => {
      const runId = await startRun(db.sql, { command: 'sweep', now: NOW, filters: {} });
      const recorder = createNudgeRecorder(db.sql, { runId, now: NOW });
      const outcomes = await Promise.allSettled([
        recorder.record(message('payments', ['p1'])),
        // Merged with the next one; its NULL tier fails the whole statement.
        recorder.record(message('search', ['s1'], null)),
        recorder.record(message('identity', ['i1'])),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(outcomes[1]).toMatchObject({ reason: { code: '23502' } });
      await recorder.record(message('mobile', ['m1']));
      expect((await stateOf()).map((s) => s.consumer_id)).toEqual(['i1', 'm1', 'p1']);
      expect(await transactions()).toEqual([['p1'], ['i1'], ['m1']]);
    });
  });
});
