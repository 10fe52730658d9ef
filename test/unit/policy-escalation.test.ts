import { describe, expect, it } from 'vitest';
import { applyBudget } from '../../src/policy/budget.js';
import {
  countIgnored,
  decideEscalation,
  targetForStep,
  withResponse,
  type EscalationRule,
  type TeamActivity,
} from '../../src/policy/escalation.js';
import { DAY_MS, HOUR_MS, NOW as TEST_NOW } from '../support/clock.js';

const NOW = TEST_NOW;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const daysAgo = (days: number) => ago(days * DAY_MS);

const manager = { kind: 'user', id: 'U0MANAGER' } as const;
const director = { kind: 'user', id: 'U0DIRECTOR' } as const;
const rule: EscalationRule = { afterIgnored: 3, ignoredAfterMs: DAY_MS, chain: [manager, director] };

function activity(fields: Partial<TeamActivity>): TeamActivity {
  return { nudgedAt: [], respondedAt: [], lastEscalation: null, ...fields };
}

describe('ignored nudges', () => {
  it('counts a nudge as ignored only once ignoredAfter has fully passed', () => {
    expect(countIgnored(activity({ nudgedAt: [ago(DAY_MS)] }), DAY_MS, NOW)).toEqual({ ignored: 1, since: ago(DAY_MS) });
    expect(countIgnored(activity({ nudgedAt: [ago(DAY_MS - 1)] }), DAY_MS, NOW)).toEqual({ ignored: 0, since: null });
  });

  it('resets the count at the latest response: only nudges after it count', () => {
    const nudgedAt = [daysAgo(5), daysAgo(4), daysAgo(3), daysAgo(2)];
    expect(countIgnored(activity({ nudgedAt, respondedAt: [daysAgo(3.5)] }), DAY_MS, NOW)).toEqual({ ignored: 2, since: daysAgo(3) });
  });

  it('a late answer (after ignoredAfter) still ends the streak', () => {
    expect(countIgnored(activity({ nudgedAt: [daysAgo(5)], respondedAt: [daysAgo(1)] }), DAY_MS, NOW).ignored).toBe(0);
  });

  it('a response at the nudge’s own instant or after counts; responses in any order', () => {
    const nudgedAt = [daysAgo(3), daysAgo(2)];
    expect(countIgnored(activity({ nudgedAt, respondedAt: [daysAgo(2), daysAgo(9)] }), DAY_MS, NOW).ignored).toBe(0);
  });

  it('skips invalid instants instead of counting them', () => {
    expect(countIgnored(activity({ nudgedAt: [new Date(Number.NaN), daysAgo(2)] }), DAY_MS, NOW).ignored).toBe(1);
  });
});

describe('escalation', () => {
  const threeIgnored = [daysAgo(4), daysAgo(3), daysAgo(2)];

  it('does not escalate before K ignored nudges', () => {
    expect(decideEscalation(rule, activity({ nudgedAt: threeIgnored.slice(1) }), NOW)).toMatchObject({
      escalate: false,
      reason: 'not-yet',
    });
  });

  it('escalates to the first step at K ignored nudges, saying since when', () => {
    expect(decideEscalation(rule, activity({ nudgedAt: threeIgnored }), NOW)).toEqual({
      escalate: true,
      step: 1,
      target: manager,
      silence: { ignored: 3, since: daysAgo(4) },
    });
  });

  it('never escalates the same step twice in one silence (re-runs are quiet)', () => {
    const escalated = activity({ nudgedAt: threeIgnored, lastEscalation: { at: daysAgo(1), step: 1 } });
    expect(decideEscalation(rule, escalated, NOW)).toMatchObject({ escalate: false, reason: 'already-escalated' });
  });

  it('climbs the chain one step per further K ignored nudges, and stays at its top', () => {
    const six = [daysAgo(7), daysAgo(6), daysAgo(5), daysAgo(4), daysAgo(3), daysAgo(2)];
    expect(decideEscalation(rule, activity({ nudgedAt: six, lastEscalation: { at: daysAgo(4.5), step: 1 } }), NOW)).toMatchObject({
      escalate: true,
      step: 2,
      target: director,
    });
    const nine = [daysAgo(10), daysAgo(9), daysAgo(8), ...six];
    expect(decideEscalation(rule, activity({ nudgedAt: nine, lastEscalation: { at: daysAgo(2.5), step: 2 } }), NOW)).toMatchObject({
      escalate: true,
      step: 3,
      target: director,
    });
  });

  it('stops the moment the team answers, and a new silence starts again at step 1', () => {
    const answered = activity({ nudgedAt: threeIgnored, respondedAt: [ago(HOUR_MS)], lastEscalation: { at: daysAgo(1), step: 1 } });
    expect(decideEscalation(rule, answered, NOW)).toMatchObject({ escalate: false, reason: 'answered' });
    const laterSilence = activity({
      nudgedAt: [daysAgo(9), daysAgo(4), daysAgo(3), daysAgo(2)],
      respondedAt: [daysAgo(8)],
      lastEscalation: { at: daysAgo(8.5), step: 2 },
    });
    expect(decideEscalation(rule, laterSilence, NOW)).toMatchObject({ escalate: true, step: 1, target: manager });
  });

  it('falls back to the security lead when the chain is empty', () => {
    expect(targetForStep([], 1)).toEqual({ kind: 'lead' });
  });
});

describe('an answer in the inventory (a status change, a new snooze)', () => {
  const silent = activity({ nudgedAt: [daysAgo(4), daysAgo(3), daysAgo(2)] });

  it('seen this run, it ends the streak like a reply: no escalation, reason answered', () => {
    expect(decideEscalation(rule, silent, NOW)).toMatchObject({ escalate: true, step: 1 });
    const answered = withResponse(silent, NOW);
    expect(answered.respondedAt).toEqual([NOW]);
    expect(decideEscalation(rule, answered, NOW)).toEqual({ escalate: false, silence: { ignored: 0, since: null }, reason: 'answered' });
  });

  it('an older answer than the latest one changes nothing; a newer one replaces it', () => {
    const replied = activity({ nudgedAt: silent.nudgedAt, respondedAt: [daysAgo(1)] });
    expect(withResponse(replied, daysAgo(3))).toBe(replied);
    expect(withResponse(replied, NOW).respondedAt).toEqual([NOW]);
  });

  it('recorded by an earlier run, only the nudges after it count', () => {
    const seenEarlier = activity({ nudgedAt: [daysAgo(5), daysAgo(4), daysAgo(3), daysAgo(2)], respondedAt: [daysAgo(4.5)] });
    expect(countIgnored(seenEarlier, DAY_MS, NOW)).toEqual({ ignored: 3, since: daysAgo(4) });
  });
});

describe('budget', () => {
  const budget = { maxPerWeek: 3, exemptTiers: ['critical'] };
  const messages = (...tiers: string[]) => tiers.map((tier, index) => ({ tier, index }));

  it('sends everything when there is no budget', () => {
    expect(applyBudget(messages('firm', 'firm'), 99, { maxPerWeek: null, exemptTiers: [] })).toMatchObject({ held: [], usedAfter: 101 });
  });

  it('holds back what exceeds the week’s limit, in order, and counts it', () => {
    const result = applyBudget(messages('urgent', 'firm', 'gentle'), 1, budget);
    expect(result.send.map((m) => m.index)).toEqual([0, 1]);
    expect(result.held.map((m) => m.index)).toEqual([2]);
    expect(result.usedAfter).toBe(3);
  });

  it('always sends the exempt tier, which still uses the budget', () => {
    const result = applyBudget(messages('firm', 'critical'), 2, budget);
    expect(result.send.map((m) => m.tier)).toEqual(['critical']);
    expect(result.held.map((m) => m.tier)).toEqual(['firm']);
    expect(applyBudget(messages('critical'), 10, budget).held).toEqual([]);
  });

  it('a limit of zero holds every non-exempt message', () => {
    expect(applyBudget(messages('gentle'), 0, { maxPerWeek: 0, exemptTiers: [] }).held).toHaveLength(1);
  });
});
