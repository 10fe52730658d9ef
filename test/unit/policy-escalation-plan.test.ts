import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import type { Config } from '../../src/config/types.js';
import {
  needsActivity,
  planBudget,
  planEscalations,
  type PlannedEscalation,
  type TeamActivityRow,
} from '../../src/policy/escalation-plan.js';
import { planSweep } from '../../src/policy/plan.js';
import { resolveTeamCalendars, type Sending } from '../../src/calendar/team-calendars.js';
import { renderDigest } from '../../src/slack/render/digest-message.js';
import { consumer, planOptions } from '../support/builders.js';
import { DAY_MS, NOW } from '../support/clock.js';

function configOf(input: Record<string, unknown>): Config {
  const result = validateConfig({ teams: { payments: { channel: 'C0PAYMENTS' }, search: { channel: '#search' } }, ...input });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY_MS);
const silent = (nudges: number, extra: Partial<TeamActivityRow> = {}): TeamActivityRow => ({
  sentInWeek: nudges,
  nudgedAt: Array.from({ length: nudges }, (_, i) => daysAgo(nudges - i)),
  respondedAt: [],
  lastEscalation: null,
  ...extra,
});

const tiers = [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none', escalateAfterIgnored: 2, escalateTo: 'U0MANAGER1' }];

/** payments' step-1 escalation to the lead after 2 ignored nudges, with the given sending decision. */
function paymentsEscalation(sending: Sending): PlannedEscalation {
  return {
    team: 'payments',
    step: 1,
    target: { kind: 'lead' },
    silence: { ignored: 2, since: daysAgo(2) },
    tier: 'firm',
    outstanding: 1,
    sending,
  };
}

function planFor(config: Config) {
  return planSweep(
    [consumer({ id: 'pay-1', overdueDays: 5 }), consumer({ id: 'search-1', team: 'search', overdueDays: 5 })],
    planOptions({ tiers: config.tiers, teams: config.teams }),
    NOW,
  );
}

describe('planEscalations', () => {
  it('escalates only the silent team, with its own chain when it has one', () => {
    const config = configOf({
      tiers,
      teams: { payments: { channel: 'C0PAYMENTS', escalateTo: 'U0PAYLEAD1' }, search: { channel: '#search' } },
    });
    const plan = planFor(config);
    const activity = new Map([
      ['payments', silent(2)],
      ['search', silent(2, { respondedAt: [daysAgo(0.5)] })],
    ]);
    expect(planEscalations(plan.summaries, activity, config, NOW)).toEqual([
      {
        team: 'payments',
        step: 1,
        target: { kind: 'user', id: 'U0PAYLEAD1' },
        silence: { ignored: 2, since: daysAgo(2) },
        tier: 'firm',
        outstanding: 1,
        sending: { mode: 'send' },
      },
    ]);
  });

  it("follows the team's working hours: held outside them (wait), scheduled at the opening (schedule)", () => {
    // 09:00 UTC is 18:00 in Tokyo: past the default 09:00–17:00; the window opens at 00:00 UTC.
    const opensAt = new Date('2026-03-11T00:00:00Z');
    const at = (outsideHours: string) => {
      const config = configOf({ tiers, calendar: { timezone: 'Asia/Tokyo', outsideHours } });
      const [planned] = planEscalations(
        planFor(config).summaries,
        new Map([['payments', silent(2)]]),
        config,
        NOW,
        resolveTeamCalendars(config),
      );
      return planned?.sending;
    };
    expect(at('wait')).toEqual({ mode: 'hold', reason: 'outside-hours', opensAt });
    expect(at('schedule')).toEqual({ mode: 'schedule', postAt: opensAt });
    expect(at('send')).toEqual({ mode: 'send' });
  });

  it('a team that is done (not in the summaries) is never escalated; no rule, no activity read', () => {
    const config = configOf({ tiers });
    expect(planEscalations([], new Map([['payments', silent(5)]]), config, NOW)).toEqual([]);
    expect(needsActivity(configOf({}))).toBe(false);
    expect(needsActivity(config)).toBe(true);
    expect(needsActivity(configOf({ maxMessagesPerTeamPerWeek: 5 }))).toBe(true);
  });
});

describe('planBudget', () => {
  it("holds a team at its limit, counting this run's escalation; exempt tiers and other teams go", () => {
    const config = configOf({
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none' }],
      maxMessagesPerTeamPerWeek: 3,
    });
    const plan = planFor(config);
    const activity = new Map([
      ['payments', silent(2)],
      ['search', silent(2)],
    ]);
    const escalation = paymentsEscalation({ mode: 'send' });
    const budget = planBudget(plan.teams, activity, config, [escalation]);
    expect(budget.send.map((t) => t.team)).toEqual(['search']);
    expect(budget.held).toEqual([
      { team: 'payments', tier: 'firm', consumers: 1, limit: 3, sentInWeek: 3, why: 'budget: 3 of 3 messages in the last 7 days' },
    ]);
    const exempt = configOf({
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none' }],
      maxMessagesPerTeamPerWeek: 1,
      budgetExempt: ['firm'],
    });
    expect(planBudget(planFor(exempt).teams, activity, exempt).held).toEqual([]);
  });

  it('an escalation its window holds does not count toward the budget this run', () => {
    const config = configOf({
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none' }],
      maxMessagesPerTeamPerWeek: 3,
    });
    const held = paymentsEscalation({ mode: 'hold', reason: 'outside-hours', opensAt: daysAgo(-1) });
    const budget = planBudget(planFor(config).teams, new Map([['payments', silent(2)]]), config, [held]);
    expect(budget.held).toEqual([]);
  });

  it('a team its window holds is neither counted as sent nor held by the budget: it stays held for working hours', () => {
    const config = configOf({
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none' }],
      maxMessagesPerTeamPerWeek: 2,
    });
    const opensAt = new Date(NOW.getTime() + 3_600_000);
    const teams = planFor(config).teams.map((t) =>
      t.team === 'payments' ? { ...t, sending: { mode: 'hold' as const, reason: 'outside-hours' as const, opensAt } } : t,
    );
    const activity = new Map([
      ['payments', silent(2)],
      ['search', silent(2)],
    ]);
    const budget = planBudget(teams, activity, config);
    // payments is at its limit but sends nothing this run: no budget hold, still in the plan as held for hours.
    expect(budget.send.map((t) => [t.team, t.sending.mode])).toEqual([['payments', 'hold']]);
    expect(budget.held.map((h) => h.team)).toEqual(['search']);
  });

  it('off by default: everything goes, nothing is held', () => {
    const config = configOf({});
    const plan = planFor(config);
    expect(planBudget(plan.teams, new Map([['payments', silent(50)]]), config)).toEqual({ send: plan.teams, held: [] });
  });

  it('the digest names every held nudge and each escalation', () => {
    const config = configOf({});
    const plan = planFor(config);
    const digest = renderDigest({
      plan,
      deliveries: new Map(),
      mode: 'sweep',
      now: NOW,
      pacing: {
        held: [{ team: 'payments', consumers: 1 }],
        escalations: [
          { team: 'search', step: 2, target: 'user:U0DIRECTOR', ignored: 4, since: daysAgo(4), delivered: true },
          { team: 'payments', step: 1, target: 'lead', ignored: 2, since: daysAgo(2), delivered: false, held: { until: daysAgo(-1) } },
        ],
      },
    });
    const text = JSON.stringify(digest.blocks);
    expect(text).toContain("1 nudge held back by payments' budget");
    expect(text).toContain('search escalated (step 2, to user:U0DIRECTOR): 4 nudges unanswered since 2026-03-06');
    expect(text).toContain(
      'payments to escalate (step 1, to lead): 2 nudges unanswered since 2026-03-08 (held: outside working hours, window opens 2026-03-11 09:00 UTC)',
    );
  });
});
