import { describe, expect, it } from 'vitest';
import { SWEEP_LOCK } from '../../src/db/lock.js';
import { seedThreeTeams, serialConfig } from '../support/campaign.js';
import { nudgeCounts, runRows } from '../support/chaser-state.js';
import { backend } from '../support/db.js';
import { CHANNELS, useScenario } from '../support/scenario.js';
import { startSlackGate } from '../support/slack-gate.js';
import { NOW } from '../support/clock.js';

const ISO = NOW.toISOString();

describe(`overlapping sweeps (${backend})`, () => {
  const s = useScenario();

  /** Sessions holding the sweep lock right now (on PGlite: the one shared session, if it holds it). */
  const sweepLockHolders = async () =>
    s.db.sql`
      select pid from pg_locks
      where locktype = 'advisory' and granted
        and database = (select oid from pg_database where datname = current_database())
        and classid = ${SWEEP_LOCK.classId}::oid and objid = ${SWEEP_LOCK.objectId}::oid`;

  // On PGlite every connection is the same session, so a lock a sweep forgot to release would sit
  // there after the process is gone: this is the strict check of an explicit unlock.
  it('the sweep lock is released on every exit path: after exit 3, 4 and 69 nobody holds it', async () => {
    await seedThreeTeams(s.db.sql);
    s.writeConfig(serialConfig());

    expect((await s.run(['sweep', '--now', ISO])).code).toBe(3);
    expect(await sweepLockHolders()).toEqual([]);

    s.slack.fail('chat.postMessage', { error: 'channel_not_found' }, { channel: CHANNELS.search });
    expect((await s.run(['sweep', '--now', new Date(NOW.getTime() + 3 * 86_400_000).toISOString()])).code).toBe(4);
    expect(await sweepLockHolders()).toEqual([]);

    s.slack.fail('chat.postMessage', { error: 'token_revoked' });
    expect((await s.run(['sweep', '--now', new Date(NOW.getTime() + 6 * 86_400_000).toISOString()])).code).toBe(69);
    expect(await sweepLockHolders()).toEqual([]);
  });

  describe.skipIf(backend === 'pglite')(
    'two processes (real Postgres only: PGlite serves every connection from one backend session, so advisory locks never conflict there)',
    () => {
      it('a second sweep started while the first is posting exits 75 having done nothing', async () => {
        await seedThreeTeams(s.db.sql);
        // The held post must outlast the second sweep's start: on a loaded machine booting a
        // second CLI took longer than the suite's 2 s Slack timeout, the first sweep's post timed
        // out and it went on posting while the second was still starting.
        s.writeConfig(serialConfig({ slack: { timeoutMs: 60_000 } }));
        const gate = await startSlackGate(s.slack.url);
        gate.hold('chat.postMessage');
        const first = s.start(['sweep', '--now', ISO], { env: { SLACK_API_URL: gate.url } });
        try {
          await gate.whenHeld(); // the first sweep holds the lock and its first post is in flight

          const second = await s.run(['sweep', '--now', ISO, '--json']);
          expect(second.code).toBe(75);
          expect(second.stderr).toContain('another chaser sweep is running against this database; nothing was done');
          expect(JSON.parse(second.stdout)).toMatchObject({ command: 'sweep', exitCode: 75 });
          expect(s.slack.calls('chat.postMessage')).toHaveLength(1); // only the first sweep's held post
          expect(await runRows(s.db.sql)).toHaveLength(1); // only the first sweep's run
          expect(await nudgeCounts(s.db.sql)).toEqual({});
        } finally {
          gate.release();
        }
        expect((await first.done).code).toBe(3);
        await gate.close();
        // Every team exactly once: the second sweep sent nothing.
        expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.payments, CHANNELS.search, CHANNELS.identity, CHANNELS.security]);
        expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'search-1': 1, 'id-1': 1 });
        expect(await sweepLockHolders()).toEqual([]);
      });

      it('a lock held by another session (try-lock, not wait): exit 75 at once, no post, no run row; free again → the sweep runs', async () => {
        await seedThreeTeams(s.db.sql);
        const holder = await s.db.sql.reserve();
        try {
          const [row] = await holder<{ locked: boolean }[]>`
            select pg_try_advisory_lock(${SWEEP_LOCK.classId}::int4, ${SWEEP_LOCK.objectId}::int4) as locked`;
          expect(row?.locked).toBe(true);

          const blocked = await s.run(['sweep', '--now', ISO]);
          expect(blocked.code).toBe(75);
          expect(blocked.stderr).toMatch(/try again later/);
          expect(s.slack.calls('chat.postMessage')).toEqual([]);
          expect(await runRows(s.db.sql)).toEqual([]);
          expect(await nudgeCounts(s.db.sql)).toEqual({});

          await holder`select pg_advisory_unlock(${SWEEP_LOCK.classId}::int4, ${SWEEP_LOCK.objectId}::int4)`;
        } finally {
          holder.release();
        }
        const free = await s.run(['sweep', '--now', ISO]);
        expect(free.code).toBe(3);
        expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'search-1': 1, 'id-1': 1 });
      });

      it('after a sweep that failed (exit 4, then exit 69) the next sweep gets the lock', async () => {
        await seedThreeTeams(s.db.sql);
        s.writeConfig(serialConfig());

        s.slack.fail('chat.postMessage', { error: 'is_archived' }, { channel: CHANNELS.payments });
        expect((await s.run(['sweep', '--now', ISO])).code).toBe(4);
        s.slack.reset();
        s.slack.fail('chat.postMessage', { error: 'account_inactive' }, { channel: CHANNELS.payments });
        expect((await s.run(['sweep', '--now', ISO])).code).toBe(69);

        s.slack.reset();
        const next = await s.run(['sweep', '--now', ISO]);
        expect(next.code).toBe(3); // not 75
        expect(s.slack.posts().map((p) => p.channelId)).toContain(CHANNELS.payments);
        expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'search-1': 1, 'id-1': 1 });
      });
    },
  );
});
