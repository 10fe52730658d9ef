/**
 * This run's escalations and budget holds, from the plan and each team's activity. Pure: the
 * activity (what chaser sent, when people answered, the last escalation) is read by the shell.
 */

import type { Sending, TeamCalendars } from '../calendar/team-calendars.js';
import type { Config, EscalationTarget } from '../config/types.js';
import { applyBudget } from './budget.js';
import { decideEscalation, type EscalationRule, type Silence, type TeamActivity } from './escalation.js';
import type { TeamPlan, TeamSummary } from './types.js';

/** One team's activity as read in one query: the escalation's facts and the budget's count. */
export interface TeamActivityRow extends TeamActivity {
  /** Chaser messages (nudges and escalations) the team received in the last 7 days, every campaign. */
  sentInWeek: number;
}

export interface PlannedEscalation {
  team: string;
  step: number;
  target: EscalationTarget;
  silence: Silence & { since: Date };
  /** The tier whose rule escalated (the team's worst). */
  tier: string;
  outstanding: number;
  /**
   * What the team's calendar says, as for its nudges: send now, schedule at the opening, or hold
   * (not sent, not recorded: a run inside the window sends it, as the silence still stands).
   */
  sending: Sending;
}

const SEND: Sending = { mode: 'send' };

export interface HeldNudge {
  team: string;
  tier: string;
  /** Consumers the held message would have named. */
  consumers: number;
  limit: number;
  sentInWeek: number;
  why: string;
}

/** What escalation and budget read of the config (simulate passes just these). */
export type PacingConfig = Pick<Config, 'tiers' | 'teams' | 'budget'>;

/** Whether this run needs the team activity at all (budget on, or any tier escalates). */
export function needsActivity(config: PacingConfig): boolean {
  return budgetOn(config) || escalates(config);
}

/** Whether any tier escalates past a silent team. */
export function escalates(config: Pick<Config, 'tiers'>): boolean {
  return config.tiers.some((tier) => tier.escalation !== undefined);
}

function budgetOn(config: Pick<Config, 'teams' | 'budget'>): boolean {
  return config.budget.maxPerWeek !== null || Object.values(config.teams).some((route) => route.maxMessagesPerWeek !== undefined);
}

/** The team's rule: its worst tier's K and ignoredAfter, its own chain when it has one. */
export function escalationRuleFor(summary: TeamSummary, config: Pick<Config, 'teams'>): EscalationRule | undefined {
  const escalation = summary.worstTier.escalation;
  if (!escalation) return undefined;
  const own = config.teams[summary.team]?.escalateTo;
  return {
    afterIgnored: escalation.afterIgnored,
    ignoredAfterMs: escalation.ignoredAfterMs,
    chain: own && own.length > 0 ? own : escalation.chain,
  };
}

/**
 * Every team still outstanding whose silence reached a new step. A team that is done is not in
 * the summaries, so its escalation stops with it; one that answered has no ignored nudges. Each
 * goes out within the team's working hours (`calendars`; without them, now).
 */
export function planEscalations(
  summaries: readonly TeamSummary[],
  activity: ReadonlyMap<string, TeamActivityRow>,
  config: Pick<Config, 'teams'>,
  now: Date,
  calendars?: Pick<TeamCalendars, 'sendingFor'>,
): PlannedEscalation[] {
  const planned: PlannedEscalation[] = [];
  for (const summary of summaries) {
    const rule = escalationRuleFor(summary, config);
    const facts = activity.get(summary.team);
    if (!rule || !facts) continue;
    const decision = decideEscalation(rule, facts, now);
    if (!decision.escalate || decision.silence.since === null) continue;
    planned.push({
      team: summary.team,
      step: decision.step,
      target: decision.target,
      silence: { ignored: decision.silence.ignored, since: decision.silence.since },
      tier: summary.worstTier.name,
      outstanding: summary.outstanding,
      sending: calendars?.sendingFor(summary.team, now) ?? SEND,
    });
  }
  return planned;
}

/**
 * The budget over this run's team messages: one message per team, exempt tiers always sent.
 * Planned escalations count first (they are about the team and go out this run; one its window
 * holds does not). A team its
 * window holds (outsideHours "wait") sends nothing this run: the budget neither counts it as
 * sent nor holds it back, and it stays held for working hours.
 */
export function planBudget(
  teams: readonly TeamPlan[],
  activity: ReadonlyMap<string, TeamActivityRow>,
  config: Pick<Config, 'teams' | 'budget'>,
  escalations: readonly PlannedEscalation[] = [],
): { send: TeamPlan[]; held: HeldNudge[] } {
  if (!budgetOn(config)) return { send: [...teams], held: [] };
  const escalated = new Map<string, number>();
  for (const e of escalations) if (e.sending.mode !== 'hold') escalated.set(e.team, (escalated.get(e.team) ?? 0) + 1);
  const send: TeamPlan[] = [];
  const held: HeldNudge[] = [];
  for (const team of teams) {
    if (team.sending.mode === 'hold') {
      send.push(team);
      continue;
    }
    const limit = config.teams[team.team]?.maxMessagesPerWeek ?? config.budget.maxPerWeek;
    const sentInWeek = (activity.get(team.team)?.sentInWeek ?? 0) + (escalated.get(team.team) ?? 0);
    const result = applyBudget([{ tier: team.tier.name, team }], sentInWeek, { maxPerWeek: limit, exemptTiers: config.budget.exemptTiers });
    for (const message of result.send) send.push(message.team);
    for (const _message of result.held) {
      held.push({
        team: team.team,
        tier: team.tier.name,
        consumers: team.nudges.count,
        limit: limit ?? 0,
        sentInWeek,
        why: `budget: ${sentInWeek} of ${limit ?? 0} messages in the last 7 days`,
      });
    }
  }
  return { send, held };
}

/** "lead", "user:U…", "usergroup:S…", "channel:C…" — how chaser_escalations names a target. */
export function targetLabel(target: EscalationTarget): string {
  switch (target.kind) {
    case 'lead':
      return 'lead';
    case 'user':
      return `user:${target.id}`;
    case 'usergroup':
      return `usergroup:${target.id}`;
    case 'channel':
      return `channel:${target.channel}`;
  }
}
