/**
 * Value builders and a Block Kit limits check for the Slack rendering tests (not a test file).
 * Plans are built by hand so these tests do not depend on the policy's own code.
 */
import type { KnownBlock } from '@slack/web-api';
import { expect } from 'vitest';
import type { Tier } from '../../src/config/types.js';
import { NudgeList } from '../../src/policy/nudge-list.js';
import type { ListedConsumer, Plan, Route, TeamPlan, TeamSummary } from '../../src/policy/types.js';
import type { SlackMessage } from '../../src/slack/render/types.js';
import { DEFAULT_TEST_TIERS, GENTLE } from './builders.js';
import { DAY_MS, HOUR_MS, NOW } from './clock.js';

export function tierFor(daysOverdue: number, tiers: readonly Tier[] = DEFAULT_TEST_TIERS): Tier {
  const tier = [...tiers].reverse().find((t) => daysOverdue >= t.afterDaysOverdue) ?? tiers[0];
  if (!tier) throw new Error('no tiers');
  return tier;
}

/** A consumer as a team's message lists it, `daysOverdue` days (and an hour) past its deadline. */
export function listedConsumer(options: {
  id?: string;
  name?: string | null;
  keyId?: string | null;
  daysOverdue?: number;
}): ListedConsumer {
  const daysOverdue = options.daysOverdue ?? 1;
  return {
    id: options.id ?? 'c-1',
    name: options.name === undefined ? 'billing-worker' : options.name,
    keyId: options.keyId === undefined ? 'key-2025-q4' : options.keyId,
    deadlineMs: NOW.getTime() - daysOverdue * DAY_MS - HOUR_MS,
    daysOverdue,
  };
}

export const TEAM_ROUTE: Route = { kind: 'team', channel: 'C0PAYMENTS', mention: 'S0ONCALL' };

/** A team's plan; `listed` most overdue first, `dueCount` defaults to the listed count. */
export function teamPlan(options: { team?: string; route?: Route; tier?: Tier; listed?: ListedConsumer[]; dueCount?: number }): TeamPlan {
  const listed = [...(options.listed ?? [listedConsumer({})])].sort((a, b) => b.daysOverdue - a.daysOverdue);
  const worst = listed[0];
  return {
    team: options.team ?? 'payments',
    route: options.route ?? TEAM_ROUTE,
    tier: options.tier ?? (worst ? tierFor(worst.daysOverdue) : GENTLE),
    dueCount: options.dueCount ?? listed.length,
    sending: { mode: 'send' },
    listed,
    nudges: new NudgeList(
      listed.map((l) => l.id),
      listed.map((l) => DEFAULT_TEST_TIERS.indexOf(tierFor(l.daysOverdue))),
      DEFAULT_TEST_TIERS,
    ),
    oldestDeadline: worst ? new Date(worst.deadlineMs) : NOW,
  };
}

/** Many consumers, most overdue first, with a chosen name for each. */
export function listedConsumers(count: number, name: (i: number) => string | null = (i) => `service-${i}`): ListedConsumer[] {
  return Array.from({ length: count }, (_, i) =>
    listedConsumer({ id: `c-${i}`, name: name(i), daysOverdue: Math.max(0, 30 - Math.floor(i / 10)) }),
  );
}

export function summary(options: Partial<TeamSummary> & { team: string }): TeamSummary {
  const worstTier = options.worstTier ?? GENTLE;
  return {
    route: { kind: 'team', channel: 'C0TEAM' },
    outstanding: 1,
    due: 1,
    waiting: 0,
    snoozed: 0,
    maxDaysOverdue: worstTier.afterDaysOverdue,
    oldestDeadline: new Date(NOW.getTime() - (options.maxDaysOverdue ?? worstTier.afterDaysOverdue) * DAY_MS),
    byTier: { [worstTier.name]: options.outstanding ?? 1 },
    worstTier,
    ...options,
  };
}

export function plan(options: Partial<Plan> & { summaries: TeamSummary[] }): Plan {
  const byTier: Record<string, number> = Object.fromEntries(DEFAULT_TEST_TIERS.map((t) => [t.name, 0]));
  for (const s of options.summaries) for (const [tier, n] of Object.entries(s.byTier)) byTier[tier] = (byTier[tier] ?? 0) + n;
  return {
    now: NOW,
    tiers: [...DEFAULT_TEST_TIERS],
    outstanding: options.summaries.reduce((sum, s) => sum + s.outstanding, 0),
    byTier,
    oldestDeadlineByTier: Object.fromEntries(DEFAULT_TEST_TIERS.map((t) => [t.name, null])),
    teams: [],
    skipped: [],
    unknownStatuses: { rows: 0, overdue: 0, statuses: [], distinct: 0 },
    filters: {},
    answered: new Map(),
    ...options,
  };
}

/** Every text object's text, in block order (header, sections, fields, context elements). */
export function textObjects(blocks: readonly KnownBlock[]): Array<{ type: string; text: string; verbatim?: boolean }> {
  const out: Array<{ type: string; text: string; verbatim?: boolean }> = [];
  for (const block of blocks) {
    if (block.type === 'header') out.push(block.text);
    else if (block.type === 'section') {
      if (block.text) out.push(block.text);
      out.push(...(block.fields ?? []));
    } else if (block.type === 'context') {
      for (const element of block.elements) if ('text' in element) out.push(element);
    }
  }
  return out;
}

/** All mrkdwn of a message (blocks and fallback), for "does it say X" assertions. */
export function allText(message: SlackMessage): string {
  return [message.text, ...textObjects(message.blocks).map((t) => t.text)].join('\n');
}

const ALLOWED_CONSTRUCT = /^<(?:@[UW][A-Z0-9]{2,}|!subteam\^S[A-Z0-9]{2,}|!here|#[CG][A-Z0-9]{2,})>/;

/**
 * What Slack would reject, and what would let data ping or link: checked on every rendered message.
 * Lengths in UTF-16 code units (never fewer than Slack's characters).
 */
export function expectWithinSlackLimits(message: SlackMessage): void {
  const { blocks, text } = message;
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(50);
  expect(text.length).toBeGreaterThan(0);
  expect(text.length).toBeLessThanOrEqual(3000);
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'header') {
      expect(block.text.type).toBe('plain_text');
      expect(block.text.text.length).toBeLessThanOrEqual(150);
    }
    if (block.type === 'section') expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(10);
  }
  for (const object of textObjects(blocks)) {
    expect(object.text.length).toBeGreaterThan(0);
    expect(object.text.length).toBeLessThanOrEqual(3000);
    if (object.type === 'mrkdwn') expect(object.verbatim).toBe(true);
    total += object.text.length;
  }
  expect(total).toBeLessThanOrEqual(11_000);
  for (const value of [
    text,
    ...textObjects(blocks)
      .filter((o) => o.type === 'mrkdwn')
      .map((o) => o.text),
  ]) {
    expectOnlyAllowedMarkup(value);
  }
}

/** Every `<` opens a construct chaser builds itself; every `&` is an entity; never `<!channel>`/`<!everyone>`. */
export function expectOnlyAllowedMarkup(value: string): void {
  for (let at = value.indexOf('<'); at >= 0; at = value.indexOf('<', at + 1)) {
    expect(value.slice(at, at + 40)).toMatch(ALLOWED_CONSTRUCT);
  }
  for (let at = value.indexOf('&'); at >= 0; at = value.indexOf('&', at + 1)) {
    expect(value.slice(at, at + 5)).toMatch(/^&(?:amp|lt|gt);/);
  }
  expect(value).not.toMatch(/<!(?:channel|everyone|group)\b/);
}
