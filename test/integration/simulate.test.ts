import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { baseConfig, CHANNELS, useScenario } from '../support/scenario.js';
import { HOUR_MS as HOUR } from '../support/clock.js';

/**
 * `chaser simulate` against the real inventory, then the sweeps it predicted, run for real over
 * the same simulated instants (--now): what simulate said is what the sweeps then did.
 */

const FROM = new Date('2026-03-13T00:00:00Z'); // a Friday
const TO = new Date('2026-03-16T20:00:00Z'); // the Monday after
const EVERY_HOURS = 4;

interface SimulatedMessage {
  team: string;
  runAt: string;
  postAt: string;
  local: string;
  timezone: string;
  tier: string;
  consumers: string[];
}

interface Simulation {
  command: string;
  runs: number;
  messages: SimulatedMessage[];
  perWeek: Record<string, number[]>;
  consumers: Array<{ id: string; team: string; tiers: Record<string, string> }>;
}

describe(`chaser simulate (${backend})`, () => {
  const s = useScenario();

  async function seed() {
    s.writeConfig({
      ...baseConfig(),
      teams: {
        payments: { channel: CHANNELS.payments, timezone: 'Europe/Berlin' },
        search: { channel: CHANNELS.search, timezone: 'America/Los_Angeles' },
        identity: { channel: CHANNELS.identity, timezone: 'Asia/Kolkata', hours: { start: '09:30', end: '18:00' } },
      },
    });
    await insertConsumers(s.db.sql, [
      // 13 days overdue at FROM: critical (14 d, every 12h) on Saturday.
      { id: 'pay-1', owner_team: 'payments', rotation_deadline: new Date('2026-02-28T06:00:00Z') },
      // 2 days overdue at FROM: firm (3 d) on Saturday.
      { id: 'pay-2', owner_team: 'payments', rotation_deadline: new Date('2026-03-11T00:00:00Z') },
      { id: 'search-1', owner_team: 'search', rotation_deadline: new Date('2026-03-06T00:00:00Z') },
      // Not yet due at FROM: its deadline passes during the range.
      { id: 'id-1', owner_team: 'identity', rotation_deadline: new Date('2026-03-14T12:00:00Z') },
    ]);
  }

  it('matches what hourly-style sweeps then actually do over the same simulated runs; writes and posts nothing', async () => {
    await seed();
    const sim = await s.run(['simulate', '--from', FROM.toISOString(), '--to', TO.toISOString(), '--every', `${EVERY_HOURS}h`, '--json']);
    expect(sim.code, sim.stderr).toBe(0);
    const predicted = JSON.parse(sim.stdout) as Simulation;
    expect(predicted.command).toBe('simulate');
    expect(s.slack.requests).toHaveLength(0);
    expect(await s.db.sql`select 1 from chaser_runs`).toHaveLength(0);
    expect(await s.db.sql`select 1 from chaser_nudge_state`).toHaveLength(0);

    const actual: Array<{ team: string; runAt: string; tier: string; consumers: string[] }> = [];
    for (let ms = FROM.getTime(); ms <= TO.getTime(); ms += EVERY_HOURS * HOUR) {
      const now = new Date(ms).toISOString();
      const run = await s.run(['sweep', '--no-digest', '--now', now, '--json']);
      expect([0, 3], run.stderr).toContain(run.code);
      const result = JSON.parse(run.stdout) as { teams: Array<{ team: string; tier: string; consumers: string[]; delivered: boolean }> };
      for (const team of result.teams)
        if (team.delivered) actual.push({ team: team.team, runAt: now, tier: team.tier, consumers: team.consumers });
    }
    expect(predicted.runs).toBe(Math.floor((TO.getTime() - FROM.getTime()) / (EVERY_HOURS * HOUR)) + 1);
    const byRun = (list: Array<{ team: string; runAt: string; tier: string; consumers: string[] }>) =>
      list
        .map(({ team, runAt, tier, consumers }) => ({ team, runAt, tier, consumers }))
        .sort((a, b) => (a.runAt + a.team < b.runAt + b.team ? -1 : 1));
    expect(byRun(predicted.messages)).toEqual(byRun(actual));
    expect(actual.length).toBeGreaterThanOrEqual(5);

    // The posts really went out at the local times simulate printed, and id-1 joined once overdue.
    const payments = predicted.messages.filter((m) => m.team === 'payments');
    expect(payments.map((m) => [m.local, m.tier])).toEqual([
      ['2026-03-13 09:00', 'urgent'],
      ['2026-03-16 09:00', 'critical'],
    ]);
    expect(predicted.messages.some((m) => m.team === 'identity' && m.consumers.includes('id-1'))).toBe(true);
    const pay1 = predicted.consumers.find((c) => c.id === 'pay-1');
    expect(Object.keys(pay1?.tiers ?? {})).toEqual(['gentle', 'firm', 'urgent', 'critical']);
    expect(pay1?.tiers['critical']).toBe('2026-03-14T08:00:00.000Z');
    expect(predicted.perWeek['payments']).toEqual([payments.length]);
  }, 300_000);

  it('prints per team and day, per week, and the tier each consumer reaches; --team and --consumer narrow it', async () => {
    await seed();
    const run = await s.run([
      'simulate',
      '--from',
      FROM.toISOString(),
      '--to',
      TO.toISOString(),
      '--team',
      'payments',
      '--consumer',
      'pay-2',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^chaser simulate · 2026-03-13 00:00Z → 2026-03-16 20:00Z · a run every 1h \(93 runs\)/);
    expect(run.stdout).toMatch(/▌ payments · \d+ message\(s\) · per week: \d+/);
    expect(run.stdout).toMatch(/2026-03-13 {2}09:00 Europe\/Berlin {2}gentle {5}1 consumer\(s\)/);
    expect(run.stdout).toMatch(/payments\/pay-2: gentle 2026-03-13 → firm 2026-03-14/);
    expect(run.stdout).not.toMatch(/search|identity|pay-1/);
  });

  it('shows the escalations and budget holds the sweeps then really make over the same runs', async () => {
    const DAY = 24 * HOUR;
    const start = new Date('2026-03-10T09:00:00Z'); // a Tuesday, inside the default window
    s.writeConfig({
      ...baseConfig(),
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none', escalateAfterIgnored: 2, escalateTo: CHANNELS.security }],
      maxMessagesPerTeamPerWeek: 3,
    });
    await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: new Date('2026-03-01T00:00:00Z') }]);
    const until = new Date(start.getTime() + 3 * DAY);
    const args = ['simulate', '--from', start.toISOString(), '--to', until.toISOString(), '--every', '24h'];
    const simulated = await s.run([...args, '--json']);
    expect(simulated.code, simulated.stderr).toBe(0);
    const json = JSON.parse(simulated.stdout) as {
      escalations: Array<{ team: string; runAt: string; step: number; target: string; ignored: number }>;
      budgetHolds: Array<{ team: string; runs: number; first: string; last: string; limit: number }>;
    };
    expect(json.escalations.map((e) => [e.team, e.runAt, e.step, e.ignored])).toEqual([['payments', '2026-03-12T09:00:00.000Z', 1, 2]]);
    expect(json.budgetHolds).toEqual([
      { team: 'payments', runs: 2, first: '2026-03-12T09:00:00.000Z', last: '2026-03-13T09:00:00.000Z', limit: 3 },
    ]);
    const human = await s.run(args);
    expect(human.stdout).toContain('Escalations and budget holds');
    expect(human.stdout).toContain(`payments → channel:${CHANNELS.security} (step 1): 2 nudge(s) unanswered since 2026-03-10`);
    expect(human.stdout).toContain(
      "held back by payments' budget (3 a week): its nudge in 2 run(s), 2026-03-12 09:00Z → 2026-03-13 09:00Z",
    );

    // The sweeps at the same instants do exactly that.
    const held: string[] = [];
    for (let day = 0; day <= 3; day += 1) {
      const at = new Date(start.getTime() + day * DAY).toISOString();
      const run = await s.run(['sweep', '--now', at, '--no-digest', '--json']);
      expect(run.code, run.stderr).toBe(3);
      if ((JSON.parse(run.stdout) as { held?: unknown[] }).held?.length) held.push(at);
    }
    const escalated = await s.db.sql<{ team: string; escalated_at: Date; step: number; ignored: number }[]>`
      select team, escalated_at, step, ignored from chaser_escalations order by id`;
    expect(escalated.map((e) => [e.team, e.escalated_at.toISOString(), e.step, e.ignored])).toEqual(
      json.escalations.map((e) => [e.team, e.runAt, e.step, e.ignored]),
    );
    expect(held).toEqual(['2026-03-12T09:00:00.000Z', '2026-03-13T09:00:00.000Z']);
  });

  it('64: --to before --from, a rate outside 0..1 or a bad --every', async () => {
    for (const args of [
      ['--from', '2026-03-13T00:00:00Z', '--to', '2026-03-12T00:00:00Z'],
      ['--confirm-rate', '1.5'],
      ['--every', 'often'],
    ]) {
      const run = await s.run(['simulate', ...args]);
      expect(run.code, args.join(' ')).toBe(64);
    }
  });
});
