import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SWEEP_LOCK } from '../../src/db/lock.js';
import { CONSUMER_OF, seedThreeTeams, serialConfig } from '../support/campaign.js';
import { nudgeCounts, runRows, stateLogMismatches } from '../support/chaser-state.js';
import { backend } from '../support/db.js';
import { CHANNELS, at, useScenario } from '../support/scenario.js';
import { startSlackGate, type SlackGate } from '../support/slack-gate.js';
import { waitFor } from '../support/wait.js';
import { HOUR_MS, NOW } from '../support/clock.js';

const ISO = NOW.toISOString();
const ALL_RECORDED = { 'pay-1': 1, 'search-1': 1, 'id-1': 1 };

/** stderr of a running child, as it arrives (startCli only hands it over at the end). */
function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

describe(`signals and kills mid-run (${backend})`, () => {
  const s = useScenario();

  /**
   * Starts a sweep over the three-team campaign, one post at a time, and returns once payments'
   * message has reached Slack and chaser is waiting for the answer (held by the gate).
   */
  async function sweepWithFirstPostInFlight(gate: SlackGate, args: string[] = []) {
    await seedThreeTeams(s.db.sql);
    s.writeConfig(serialConfig());
    gate.hold('chat.postMessage');
    const sweep = s.start(['sweep', '--now', ISO, ...args], { env: { SLACK_API_URL: gate.url } });
    const stderr = stderrOf(sweep.child);
    await gate.whenHeld();
    return { ...sweep, stderr };
  }

  const cases = [
    { signal: 'SIGTERM', code: 143, json: true },
    { signal: 'SIGINT', code: 130, json: false },
  ] as const;

  for (const { signal, code, json } of cases) {
    it(`${signal} during the Slack phase${json ? ' (--json)' : ''}: the message in flight is finished and recorded, no more are sent, exit ${code}; result, record and printed line agree`, async () => {
      const gate = await startSlackGate(s.slack.url);
      try {
        const sweep = await sweepWithFirstPostInFlight(gate, json ? ['--json'] : []);
        sweep.child.kill(signal);
        await waitFor(() => sweep.stderr().includes(`${signal} received`), { what: `chaser to acknowledge ${signal}` });
        gate.release(); // Slack's answer to the message in flight arrives after the signal

        const run = await sweep.done; // it exits by itself: the pool was closed
        expect(run.code).toBe(code);
        expect(run.stderr).toContain('finishing the message in flight, sending no more');
        // Only the message that was in flight: no other team, no digest.
        expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.payments]);
        expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1 });
        expect(await stateLogMismatches(s.db.sql)).toEqual([]);
        const [record] = await runRows(s.db.sql);
        const said = new RegExp(
          `^interrupted by ${signal}: 1 of 3 team message\\(s\\) delivered and recorded, 2 not sent \\(the next run sends them\\); the digest was not sent`,
        );
        expect(record).toMatchObject({ outcome: expect.stringMatching(said), exit_code: code, nudged: 1, teams_messaged: 1 });
        expect(record?.finished_at).not.toBeNull(); // the run was closed properly
        expect(run.stderr).toMatch(new RegExp(`error: ${said.source.slice(1)}`, 'm'));
        if (json) {
          const result = JSON.parse(run.stdout) as { exitCode: number; digest: { delivered: boolean; error?: string } };
          expect(result.exitCode).toBe(code);
          expect(result.digest).toEqual({ delivered: false, error: `not sent: interrupted by ${signal}` });
        } else {
          expect(run.stdout).toMatch(new RegExp(`^exit ${code}: interrupted by ${signal}`, 'm'));
          expect(run.stdout).not.toMatch(/^exit 3/m);
        }
      } finally {
        await gate.close();
      }

      // The next run picks up exactly the teams that were not sent.
      s.slack.reset();
      expect((await s.run(['sweep', '--now', at(60_000).toISOString()])).code).toBe(3);
      expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.search, CHANNELS.identity, CHANNELS.security]);
      expect(await nudgeCounts(s.db.sql)).toEqual(ALL_RECORDED);
    });
  }

  it('a second SIGTERM stops at once: the message in flight goes unrecorded, and only that team is nudged again next run', async () => {
    const gate = await startSlackGate(s.slack.url);
    try {
      const sweep = await sweepWithFirstPostInFlight(gate);
      sweep.child.kill('SIGTERM');
      await waitFor(() => sweep.stderr().includes('SIGTERM received'), { what: 'chaser to acknowledge SIGTERM' });
      sweep.child.kill('SIGTERM'); // the operator insists

      const run = await sweep.done;
      expect(run.code).toBe(143);
      expect(await nudgeCounts(s.db.sql)).toEqual({}); // delivered (the fake has it) but never confirmed to chaser
      expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.payments]);
    } finally {
      await gate.close();
    }
    await expectRecoveryPostsOnlyTheUnrecordedTeamTwice();
  });

  it('SIGKILL between a post and its record: the next run nudges that team again (at most once more) and nobody else twice', async () => {
    const gate = await startSlackGate(s.slack.url);
    try {
      const sweep = await sweepWithFirstPostInFlight(gate);
      sweep.child.kill('SIGKILL');
      const run = await sweep.done;
      expect(run.signal).toBe('SIGKILL');
      expect(await nudgeCounts(s.db.sql)).toEqual({});
      const [record] = await runRows(s.db.sql);
      expect(record?.finished_at).toBeNull(); // a run that died half-way stays visible as such
    } finally {
      await gate.close();
    }
    if (backend === 'postgres') {
      // The killed sweep's lock went with its connection; the server notices the closed socket.
      await waitFor(
        async () =>
          (
            await s.db.sql`
              select 1 from pg_locks
              where locktype = 'advisory' and classid = ${SWEEP_LOCK.classId}::oid and objid = ${SWEEP_LOCK.objectId}::oid
                and database = (select oid from pg_database where datname = current_database())`
          ).length === 0,
        { what: "the killed sweep's lock to be freed" },
      );
    }
    await expectRecoveryPostsOnlyTheUnrecordedTeamTwice();
  });

  it('a post delivered whose answer is lost (connection dropped): exit 4, and the next run re-sends only that team', async () => {
    await seedThreeTeams(s.db.sql);
    s.writeConfig(serialConfig({ slack: { retries: 0 } }));
    s.slack.fail('chat.postMessage', { dropConnection: true, deliver: true }, { channel: CHANNELS.search });

    const run = await s.run(['sweep', '--now', ISO, '--json']);
    expect(run.code).toBe(4);
    const search = JSON.parse(run.stdout).teams.find((t: { team: string }) => t.team === 'search');
    expect(search).toMatchObject({ delivered: false, error: expect.stringMatching(/connection to Slack broke.*may have been posted/) });
    expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'id-1': 1 });
    // It was delivered all the same: chaser could not know.
    expect(s.slack.posts().filter((p) => p.channelId === CHANNELS.search)).toHaveLength(1);

    s.slack.reset();
    expect((await s.run(['sweep', '--now', at(HOUR_MS).toISOString()])).code).toBe(3);
    expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.search]); // the first run's digest went out
    expect(await nudgeCounts(s.db.sql)).toEqual(ALL_RECORDED); // search-1 counted once, not twice
    expect(await stateLogMismatches(s.db.sql)).toEqual([]);
  });

  /**
   * After a run that posted payments but never recorded it: the next run posts payments again
   * (its second message, counted once) and every other team exactly once.
   */
  async function expectRecoveryPostsOnlyTheUnrecordedTeamTwice() {
    const next = await s.run(['sweep', '--now', at(60_000).toISOString()]);
    expect(next.code).toBe(3);
    const everyPost = s.slack.posts().map((p) => p.channelId);
    expect(everyPost.filter((c) => c === CHANNELS.payments)).toHaveLength(2); // the one the fake got before, and now
    expect(everyPost.filter((c) => c === CHANNELS.search)).toHaveLength(1);
    expect(everyPost.filter((c) => c === CHANNELS.identity)).toHaveLength(1);
    expect(await nudgeCounts(s.db.sql)).toEqual({ [CONSUMER_OF.payments]: 1, [CONSUMER_OF.search]: 1, [CONSUMER_OF.identity]: 1 });
    expect(await stateLogMismatches(s.db.sql)).toEqual([]);
  }
});
