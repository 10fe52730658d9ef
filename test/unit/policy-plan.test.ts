import { describe, expect, it } from 'vitest';
import { createPlanBuilder, planSweep } from '../../src/policy/plan.js';
import { LISTED_MAX } from '../../src/policy/team-tally.js';
import type { ConsumerRow, Plan, PlanOptions } from '../../src/policy/types.js';
import { consumer, nudged, planOptions } from '../support/builders.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, NOW } from '../support/clock.js';

const LATER = new Date('2026-03-11T09:00:00Z');

const row = (spec: Parameters<typeof consumer>[0]) => consumer({ now: NOW, ...spec });
const waitingState = () => nudged({ now: NOW, hoursAgo: 1, tier: 'firm' });

/** A small deterministic generator, so "random" fixtures are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('routes', () => {
  const options = planOptions({ teams: { payments: { channel: 'C0PAY', mention: 'S0PAY' }, search: { channel: '#search' } } });

  it('routes a configured team to its channel, with its mention when it has one', () => {
    const plan = planSweep([row({ team: 'payments' }), row({ team: 'search' })], options, NOW);
    const routes = Object.fromEntries(plan.teams.map((team) => [team.team, team.route]));
    expect(routes).toStrictEqual({
      payments: { kind: 'team', channel: 'C0PAY', mention: 'S0PAY' },
      search: { kind: 'team', channel: '#search' },
    });
  });

  it('sends a team without a route to the fallback channel', () => {
    const plan = planSweep([row({ team: 'billing' })], { ...options, fallbackChannel: '#rotation' }, NOW);
    expect(plan.teams[0]?.route).toEqual({ kind: 'fallback', channel: '#rotation' });
    expect(plan.summaries[0]?.route).toEqual({ kind: 'fallback', channel: '#rotation' });
  });

  it('keeps a team with neither route nor fallback, marked unrouted', () => {
    const plan = planSweep([row({ team: 'billing' })], { ...options, fallbackChannel: '' }, NOW);
    expect(plan.teams.map((team) => [team.team, team.route])).toEqual([['billing', { kind: 'unrouted' }]]);
    expect(plan.summaries[0]?.route).toEqual({ kind: 'unrouted' });
  });

  it('does not mistake an inherited property for a route', () => {
    const plan = planSweep([row({ team: 'constructor' }), row({ team: '__proto__' })], options, NOW);
    expect(plan.teams.map((team) => team.route)).toEqual([{ kind: 'unrouted' }, { kind: 'unrouted' }]);
  });
});

describe('team plans', () => {
  it('are built only for teams with something due, while summaries cover all outstanding', () => {
    const plan = planSweep(
      [
        row({ team: 'payments' }),
        row({ team: 'search', overdueDays: 4, state: waitingState() }),
        row({ team: 'search', snoozedUntil: LATER }),
      ],
      planOptions(),
      NOW,
    );
    expect(plan.teams.map((team) => team.team)).toEqual(['payments']);
    expect(plan.summaries.map((summary) => summary.team).sort()).toEqual(['payments', 'search']);
  });

  it('take the tone of the most overdue DUE consumer, not of a waiting one', () => {
    const plan = planSweep(
      [
        row({ id: 'crit', team: 'payments', overdueDays: 20, state: nudged({ now: NOW, hoursAgo: 1, tier: 'critical' }) }),
        row({ id: 'firm', team: 'payments', overdueDays: 4 }),
        row({ id: 'gentle', team: 'payments', overdueDays: 1 }),
      ],
      planOptions(),
      NOW,
    );
    expect(plan.teams).toHaveLength(1);
    expect(plan.teams[0]).toMatchObject({ tier: { name: 'firm' }, dueCount: 2 });
    expect(plan.teams[0]?.nudges.ids()).toEqual(['firm', 'gentle']);
    expect(plan.summaries[0]).toMatchObject({ worstTier: { name: 'critical' }, maxDaysOverdue: 20, due: 2, waiting: 1 });
  });

  it('list the due consumers most overdue first (deadline, then id) and record each in its own tier', () => {
    const sameDeadline = new Date(NOW.getTime() - 5 * DAY_MS);
    const plan = planSweep(
      [
        row({ id: 'b', deadline: sameDeadline }),
        row({ id: 'young', overdueDays: 1 }),
        row({ id: 'a', deadline: sameDeadline }),
        row({ id: 'old', overdueDays: 15 }),
        row({ id: 'snoozed', overdueDays: 30, snoozedUntil: LATER }),
      ],
      planOptions(),
      NOW,
    );
    const [team] = plan.teams;
    expect(team?.listed.map((listed) => listed.id)).toEqual(['old', 'a', 'b', 'young']);
    expect(team?.nudges.toJSON()).toEqual({ ids: ['old', 'a', 'b', 'young'], tiers: ['critical', 'firm', 'firm', 'gentle'] });
    expect(team?.oldestDeadline).toEqual(new Date(NOW.getTime() - 15 * DAY_MS));
    // Only what the message line shows: a plan holds these for every team for the whole run.
    expect(team?.listed[0]).toEqual({
      id: 'old',
      name: 'service old',
      keyId: 'key-2025',
      deadlineMs: NOW.getTime() - 15 * DAY_MS,
      daysOverdue: 15,
    });
  });

  it(`list at most ${LISTED_MAX} of 5,000 due consumers but record all of them`, () => {
    const random = seededRandom(42);
    const rows = Array.from({ length: 5_000 }, (_, index) =>
      // Minute-granular deadlines over 30 days make ties (ordered by id) likely as well.
      row({ id: `c-${String(index).padStart(5, '0')}`, overdueMs: 1 + Math.floor(random() * 30 * 24 * 60) * MINUTE_MS }),
    );
    const plan = planSweep(rows, planOptions(), NOW);
    const [team] = plan.teams;
    const expected = [...rows].sort((a, b) => (a.deadline?.getTime() ?? 0) - (b.deadline?.getTime() ?? 0) || (a.id < b.id ? -1 : 1));
    expect(LISTED_MAX).toBe(25);
    expect(team?.dueCount).toBe(5_000);
    expect(team?.listed.map((listed) => listed.id)).toEqual(expected.slice(0, LISTED_MAX).map((r) => r.id));
    expect(team?.nudges.ids()).toEqual(expected.map((r) => r.id));
    expect(team?.nudges.tiers()).toHaveLength(5_000);
    expect(team?.nudges.count).toBe(5_000);
    expect(team?.oldestDeadline).toEqual(expected[0]?.deadline);
  });
});

describe('plan totals', () => {
  it('count outstanding per tier with every tier present, snoozed and waiting included', () => {
    const plan = planSweep(
      [
        row({ overdueDays: 1 }),
        row({ overdueDays: 1, snoozedUntil: LATER }),
        row({ overdueDays: 4, state: waitingState() }),
        row({ overdueDays: 4, status: 'confirmed' }),
      ],
      planOptions(),
      NOW,
    );
    expect(plan.outstanding).toBe(3);
    expect(plan.byTier).toStrictEqual({ gentle: 2, firm: 1, urgent: 0, critical: 0 });
  });

  it('report zeros for every tier when nothing is outstanding', () => {
    const plan = planSweep([], planOptions(), NOW);
    expect(plan).toEqual({
      now: NOW,
      tiers: planOptions().tiers,
      outstanding: 0,
      byTier: { gentle: 0, firm: 0, urgent: 0, critical: 0 },
      oldestDeadlineByTier: { gentle: null, firm: null, urgent: null, critical: null },
      teams: [],
      summaries: [],
      skipped: [],
      unknownStatuses: { rows: 0, overdue: 0, statuses: [], distinct: 0 },
      filters: {},
      answered: new Map(),
    });
  });

  it('carry the run filters and the unknown statuses, with near misses of the configured vocabulary named', () => {
    const builder = createPlanBuilder(planOptions({ filters: { teams: ['payments'], keyId: 'kms/a' }, doneStatuses: ['confirmed'] }), NOW);
    builder.setUnknownStatuses({
      rows: 3,
      overdue: 2,
      distinct: 2,
      statuses: [
        { status: 'PENDING ', rows: 2, overdue: 2 },
        { status: null, rows: 1, overdue: 0 },
      ],
    });
    const plan = builder.finish();
    expect(plan.filters).toEqual({ teams: ['payments'], keyId: 'kms/a' });
    expect(plan.unknownStatuses.statuses).toEqual([
      { status: 'PENDING ', rows: 2, overdue: 2, nearMiss: 'pending' },
      { status: null, rows: 1, overdue: 0 },
    ]);
  });

  it('track the oldest deadline of each tier across teams (the dry-run summary table)', () => {
    const oldestFirm = new Date(NOW.getTime() - 6 * DAY_MS);
    const plan = planSweep(
      [row({ team: 'a', overdueDays: 4 }), row({ team: 'b', deadline: oldestFirm }), row({ team: 'b', overdueDays: 20 })],
      planOptions(),
      NOW,
    );
    expect(plan.oldestDeadlineByTier).toEqual({
      gentle: null,
      firm: oldestFirm,
      urgent: null,
      critical: new Date(NOW.getTime() - 20 * DAY_MS),
    });
  });

  it('summarise each team: counts, tiers, oldest deadline and route', () => {
    const oldest = new Date(NOW.getTime() - 8 * DAY_MS - HOUR_MS);
    const plan = planSweep(
      [
        row({ team: 'search', overdueDays: 1 }),
        row({ team: 'search', deadline: oldest, snoozedUntil: LATER }),
        row({ team: 'search', overdueDays: 4, state: waitingState() }),
      ],
      planOptions(),
      NOW,
    );
    expect(plan.summaries).toEqual([
      {
        team: 'search',
        route: { kind: 'team', channel: '#search-alerts' },
        outstanding: 3,
        due: 1,
        waiting: 1,
        snoozed: 1,
        worstTier: expect.objectContaining({ name: 'urgent' }),
        maxDaysOverdue: 8,
        oldestDeadline: oldest,
        byTier: { gentle: 1, firm: 1, urgent: 1, critical: 0 },
      },
    ]);
  });

  it('order teams most overdue first: worst tier, then days overdue, then name', () => {
    const plan = planSweep(
      [
        row({ team: 'zeta', overdueDays: 4 }), // firm, 4 d
        row({ team: 'alpha', overdueDays: 5 }), // firm, 5 d
        row({ team: 'beta', overdueDays: 5 }), // firm, 5 d: ties with alpha, name decides
        row({ team: 'gamma', overdueDays: 1 }), // gentle due …
        row({ team: 'gamma', overdueDays: 30, state: nudged({ now: NOW, hoursAgo: 1, tier: 'critical' }) }), // … critical waiting
        row({ team: 'delta', overdueDays: 8 }), // urgent, 8 d
      ],
      planOptions(),
      NOW,
    );
    expect(plan.summaries.map((summary) => summary.team)).toEqual(['gamma', 'delta', 'alpha', 'beta', 'zeta']);
    // A team's message ranks by what it is about (its due consumers): gamma only has a gentle one due.
    expect(plan.teams.map((team) => team.team)).toEqual(['delta', 'alpha', 'beta', 'zeta', 'gamma']);
  });

  it('rank by whole days overdue, then by name, as the digest shows them', () => {
    const plan = planSweep(
      [row({ team: 'b', overdueMs: 5 * DAY_MS + 2 * HOUR_MS }), row({ team: 'a', overdueMs: 5 * DAY_MS + HOUR_MS })],
      planOptions(),
      NOW,
    );
    expect(plan.summaries.map((summary) => summary.team)).toEqual(['a', 'b']);
  });
});

describe('incremental builder', () => {
  function mixedRows(count: number, seed: number): ConsumerRow[] {
    const random = seededRandom(seed);
    const teams = ['alpha', 'beta', 'gamma', 'delta', 'unrouted-team'];
    const statuses = ['pending', 'pending', 'pending', 'confirmed', 'exempt'];
    return Array.from({ length: count }, (_, index) => {
      const overdueMs = Math.floor((random() * 25 - 3) * DAY_MS);
      const hoursAgo = random() < 0.4 ? null : Math.floor(random() * 100);
      return row({
        id: `r-${index}`,
        team: random() < 0.02 ? null : teams[Math.floor(random() * teams.length)],
        status: statuses[Math.floor(random() * statuses.length)] as string,
        overdueMs,
        deadline: random() < 0.02 ? null : new Date(NOW.getTime() - overdueMs),
        snoozedUntil: random() < 0.2 ? new Date(NOW.getTime() + (random() - 0.5) * 4 * DAY_MS) : null,
        state: hoursAgo === null ? null : nudged({ now: NOW, hoursAgo, tier: 'gentle' }),
      });
    });
  }

  function groupedByTeam(rows: ConsumerRow[]): ConsumerRow[] {
    return [...rows].sort((a, b) => (a.team ?? '').localeCompare(b.team ?? ''));
  }

  function buildInBatches(rows: ConsumerRow[], batchSize: number, options: PlanOptions) {
    const builder = createPlanBuilder(options, NOW);
    for (let start = 0; start < rows.length; start += batchSize) builder.addRows(rows.slice(start, start + batchSize));
    return builder.finish();
  }

  /** Skipped rows are reported in the order they were read; everything else must not depend on it. */
  function withSkippedById(plan: Plan): Plan {
    return { ...plan, skipped: [...plan.skipped].sort((a, b) => (a.id < b.id ? -1 : 1)) };
  }

  it('gives the same plan as planSweep, whatever the batch size and row order', () => {
    const rows = mixedRows(3_000, 7);
    const options = planOptions({ teams: { alpha: { channel: 'C1' }, beta: { channel: 'C2' } }, fallbackChannel: '#all' });
    const expected = planSweep(rows, options, NOW);
    expect(expected.teams.length).toBeGreaterThan(2);
    expect(expected.teams.some((team) => team.dueCount > 2 * LISTED_MAX)).toBe(true);
    expect(expected.skipped.length).toBeGreaterThan(0);
    expect(buildInBatches(rows, 1, options)).toEqual(expected);
    expect(withSkippedById(buildInBatches(groupedByTeam(rows), 1, options))).toEqual(withSkippedById(expected));
    expect(withSkippedById(buildInBatches(groupedByTeam(rows), 257, options))).toEqual(withSkippedById(expected));
    expect(withSkippedById(buildInBatches([...rows].reverse(), 1_000, options))).toEqual(withSkippedById(expected));
  });

  it('folds a team that reappears after another team into its earlier rows', () => {
    const alpha = Array.from({ length: 120 }, (_, index) => row({ id: `a-${index}`, team: 'alpha', overdueMs: (index + 1) * HOUR_MS }));
    const beta = [row({ id: 'b-0', team: 'beta', overdueDays: 2 })];
    const interleaved = [...alpha.slice(0, 60), ...beta, ...alpha.slice(60)];
    const plan = buildInBatches(interleaved, 10, planOptions());
    expect(plan).toEqual(planSweep([...alpha, ...beta], planOptions(), NOW));
    const alphaPlan = plan.teams.find((team) => team.team === 'alpha');
    expect(alphaPlan?.dueCount).toBe(120);
    expect(alphaPlan?.listed[0]?.id).toBe('a-119');
  });

  it('is spent after finish: adding more rows is a bug, finishing again returns the same plan', () => {
    const builder = createPlanBuilder(planOptions(), NOW);
    builder.addRows([row({})]);
    const plan = builder.finish();
    expect(() => builder.addRows([row({})])).toThrow(/after finish/);
    expect(builder.finish()).toBe(plan);
  });

  it('refuses an invalid now or ladder up front', () => {
    expect(() => createPlanBuilder(planOptions(), new Date('nope'))).toThrow(/now/);
    expect(() => createPlanBuilder(planOptions({ tiers: [] }), NOW)).toThrow(/empty/);
  });
});
