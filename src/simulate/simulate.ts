import { localDate, localTime } from '../calendar/calendar.js';
import type { TeamCalendars } from '../calendar/team-calendars.js';
import { assessRow, createPolicyContext } from '../policy/assess.js';
import { planSweep } from '../policy/plan.js';
import { DAY_MS } from '../config/duration.js';
import {
  needsActivity,
  planBudget,
  planEscalations,
  targetLabel,
  type PacingConfig,
  type TeamActivityRow,
} from '../policy/escalation-plan.js';
import type { ConsumerRow, NudgeState, PlanOptions } from '../policy/types.js';

/**
 * `chaser simulate`: the sweep's own pure planner (planSweep, assessRow: never a second ladder)
 * stepped over time with `now` advanced by the scheduler's interval, starting from the real
 * inventory and nudge state, feeding each step's nudges back as state the way a sweep records
 * them. Pure: no clock, no I/O; the command reads the rows and prints the result.
 */

export interface SimulationInput {
  /** Every pending consumer that is or becomes overdue by `to`, with its recorded state. */
  rows: readonly ConsumerRow[];
  options: PlanOptions & { calendars: TeamCalendars };
  from: Date;
  to: Date;
  /** The interval of the assumed schedule (hourly by default). */
  everyMs: number;
  /** The chance per day that an outstanding consumer confirms; 0: nobody does. */
  confirmRate: number;
  /**
   * The config's escalation and budget (the sweep's own pure planEscalations / planBudget). Teams
   * never answer in Slack here; a confirmation of a nudged consumer is an answer in the inventory.
   * Messages sent before `from` are not counted (the simulation starts with an empty week).
   */
  pacing?: PacingConfig;
}

/** An escalation a sweep would send (or hold for the team's working hours) at this run. */
export interface SimulatedEscalation {
  team: string;
  runAt: Date;
  /** When it reaches its target: the run, or the opening with outsideHours "schedule". */
  postAt: Date;
  step: number;
  /** lead | user:U… | usergroup:S… | channel:C… */
  target: string;
  ignored: number;
  since: Date;
}

/** A team's nudges the budget held back: how many runs held one, the first and the last. */
export interface SimulatedBudgetHold {
  team: string;
  runs: number;
  first: Date;
  last: Date;
  limit: number;
}

export interface SimulatedMessage {
  team: string;
  /** The run that sends (or schedules) it. */
  runAt: Date;
  /** When it reaches the channel: the run, or the window's opening for outsideHours "schedule". */
  postAt: Date;
  scheduled: boolean;
  /** The tone of the message: the most overdue tier among its consumers. */
  tier: string;
  consumers: string[];
  timezone: string;
  /** postAt in the team's zone. */
  localDate: string;
  localTime: string;
}

export interface TierReached {
  id: string;
  team: string;
  /** Tier name → the first simulated run that found the consumer in it (tiers it already was in at `from` included). */
  tiers: Record<string, Date>;
  /** When it confirmed (only with a confirm rate). */
  confirmedAt?: Date;
}

export interface SimulationResult {
  from: Date;
  to: Date;
  everyMs: number;
  runs: number;
  messages: SimulatedMessage[];
  /** Per team, messages in each 7-day week from `from` (week 1 starts at `from`). */
  perWeek: Record<string, number[]>;
  consumers: TierReached[];
  /** Only with `pacing`: escalations sent, in order. */
  escalations: SimulatedEscalation[];
  /** Only with `pacing`: per team, the runs whose nudge the budget held back. */
  budgetHolds: SimulatedBudgetHold[];
}

/** A deterministic draw in [0, 1) for one consumer on one day: the same run gives the same answer. */
export function confirmDraw(id: string, day: number): number {
  let hash = 2166136261;
  const text = `${id}\u0000${day}`;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  // FNV-1a's last character barely reaches the high bits: mix them (murmur3's finaliser).
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

export function simulate(input: SimulationInput): SimulationResult {
  const { options, from, to, everyMs, confirmRate } = input;
  if (!(everyMs > 0)) throw new Error('simulate: everyMs must be positive');
  const context = createPolicyContext(options);
  const state = new Map<string, NudgeState | null>(input.rows.map((row) => [row.id, row.state]));
  const confirmed = new Map<string, Date>();
  const reached = new Map<string, TierReached>();
  const messages: SimulatedMessage[] = [];
  const pacing = input.pacing && needsActivity(input.pacing) ? input.pacing : undefined;
  const activity = new TeamLedger();
  const escalations: SimulatedEscalation[] = [];
  const holds = new Map<string, SimulatedBudgetHold>();
  let runs = 0;
  let lastDay = -1;

  for (let ms = from.getTime(); ms <= to.getTime(); ms += everyMs) {
    const now = new Date(ms);
    runs += 1;
    // Confirmations are drawn once per simulated day, before that day's first run.
    const day = Math.floor((ms - from.getTime()) / DAY_MS);
    if (confirmRate > 0 && day !== lastDay) {
      for (const row of input.rows) {
        if (!confirmed.has(row.id) && row.deadline !== null && row.deadline.getTime() < ms && confirmDraw(row.id, day) < confirmRate) {
          confirmed.set(row.id, now);
          // A status change of a consumer chaser nudged: the team answered, in the inventory.
          if ((state.get(row.id)?.nudgeCount ?? 0) > 0 && row.team !== null) activity.answered(row.team, now);
        }
      }
    }
    lastDay = day;
    const active = input.rows.filter((row) => !confirmed.has(row.id)).map((row) => ({ ...row, state: state.get(row.id) ?? null }));

    for (const row of active) {
      const assessment = assessRow(row, context, now);
      if (assessment.kind !== 'outstanding') continue;
      let entry = reached.get(row.id);
      if (entry === undefined) {
        entry = { id: row.id, team: assessment.laggard.consumer.team, tiers: {} };
        reached.set(row.id, entry);
      }
      // A consumer that jumped tiers between two runs reached the skipped ones at the same run.
      for (let index = 0; index <= assessment.tierIndex; index += 1) {
        const name = (context.tiers[index] as { name: string }).name;
        if (!Object.hasOwn(entry.tiers, name)) entry.tiers[name] = now;
      }
    }

    const plan = planSweep(active, options, now);
    let teams = plan.teams;
    if (pacing) {
      const facts = activity.at(
        plan.summaries.map((summary) => summary.team),
        now,
      );
      const planned = planEscalations(plan.summaries, facts, pacing, now, options.calendars);
      const budget = planBudget(plan.teams, facts, pacing, planned);
      teams = budget.send;
      for (const held of budget.held) {
        const hold = holds.get(held.team);
        if (hold) {
          hold.runs += 1;
          hold.last = now;
        } else holds.set(held.team, { team: held.team, runs: 1, first: now, last: now, limit: held.limit });
      }
      for (const e of planned) {
        if (e.sending.mode === 'hold') continue; // the next run inside the team's hours sends it
        const postAt = e.sending.mode === 'schedule' ? e.sending.postAt : now;
        activity.escalated(e.team, postAt, e.step);
        const target = targetLabel(e.target);
        escalations.push({ team: e.team, runAt: now, postAt, step: e.step, target, ignored: e.silence.ignored, since: e.silence.since });
      }
    }
    for (const team of teams) {
      if (team.route.kind === 'unrouted' || team.sending.mode === 'hold') continue;
      const scheduled = team.sending.mode === 'schedule';
      const postAt = team.sending.mode === 'schedule' ? team.sending.postAt : now;
      const ids = team.nudges.ids();
      const tiers = team.nudges.tiers();
      // As the sweep records it: a scheduled nudge counts from its post_at.
      ids.forEach((id, i) => {
        const before = state.get(id) ?? null;
        state.set(id, { nudgeCount: (before?.nudgeCount ?? 0) + 1, lastNudgedAt: postAt, lastTier: tiers[i] ?? null });
      });
      activity.nudged(team.team, postAt);
      const calendar = options.calendars.calendarFor(team.team);
      messages.push({
        team: team.team,
        runAt: now,
        postAt,
        scheduled,
        tier: team.tier.name,
        consumers: ids,
        timezone: calendar.timezone,
        localDate: localDate(calendar, postAt),
        localTime: localTime(calendar, postAt),
      });
    }
  }

  const perWeek: Record<string, number[]> = {};
  const weeks = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / (7 * DAY_MS)));
  for (const message of messages) {
    const counts = (perWeek[message.team] ??= new Array<number>(weeks).fill(0));
    const week = Math.min(weeks - 1, Math.floor((message.postAt.getTime() - from.getTime()) / (7 * DAY_MS)));
    counts[week] = (counts[week] ?? 0) + 1;
  }
  for (const row of input.rows) {
    if (confirmed.has(row.id) && !reached.has(row.id)) reached.set(row.id, { id: row.id, team: row.team ?? '', tiers: {} });
  }
  const consumers = [...reached.values()].map((entry) => {
    const at = confirmed.get(entry.id);
    return at === undefined ? entry : { ...entry, confirmedAt: at };
  });
  consumers.sort((a, b) => (a.team < b.team ? -1 : a.team > b.team ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const budgetHolds = [...holds.values()].sort((a, b) => (a.team < b.team ? -1 : a.team > b.team ? 1 : 0));
  return { from, to, everyMs, runs, messages, perWeek, consumers, escalations, budgetHolds };
}

/**
 * What the sweep reads from chaser_team_messages, chaser_escalations and the answers, kept in
 * memory: every message each team received, its answers and its last escalation.
 */
class TeamLedger {
  private readonly teams = new Map<
    string,
    { nudgedAt: Date[]; sentAt: Date[]; answeredAt: Date[]; last: { at: Date; step: number } | null }
  >();

  private of(team: string) {
    let entry = this.teams.get(team);
    if (!entry) {
      entry = { nudgedAt: [], sentAt: [], answeredAt: [], last: null };
      this.teams.set(team, entry);
    }
    return entry;
  }

  nudged(team: string, at: Date): void {
    const entry = this.of(team);
    entry.nudgedAt.push(at);
    entry.sentAt.push(at);
  }

  escalated(team: string, at: Date, step: number): void {
    const entry = this.of(team);
    entry.sentAt.push(at);
    entry.last = { at, step };
  }

  answered(team: string, at: Date): void {
    this.of(team).answeredAt.push(at);
  }

  /** The activity rows a sweep at `now` would read for these teams. */
  at(teams: readonly string[], now: Date): Map<string, TeamActivityRow> {
    const weekAgo = now.getTime() - 7 * DAY_MS;
    const rows = new Map<string, TeamActivityRow>();
    for (const team of teams) {
      const entry = this.of(team);
      const seen = (d: Date) => d.getTime() <= now.getTime();
      rows.set(team, {
        nudgedAt: entry.nudgedAt.filter(seen),
        respondedAt: entry.answeredAt.filter(seen),
        lastEscalation: entry.last,
        sentInWeek: entry.sentAt.filter((d) => d.getTime() > weekAgo && seen(d)).length,
      });
    }
    return rows;
  }
}
