import { resolveTeamCalendars } from '../../calendar/team-calendars.js';
import { observeInventoryResponses, readTeamActivity } from '../../db/escalations.js';
import type { RunId } from '../../db/runs.js';
import type { SourceShape } from '../../db/source.js';
import { withResponse } from '../../policy/escalation.js';
import {
  escalates,
  needsActivity,
  planBudget,
  planEscalations,
  type HeldNudge,
  type PlannedEscalation,
} from '../../policy/escalation-plan.js';
import type { Plan } from '../../policy/types.js';
import { guardDb, type RunScope } from '../scope.js';

export interface Pacing {
  /** The plan the nudges are delivered from: the teams the budget let through. */
  deliver: Plan;
  held: HeldNudge[];
  escalations: PlannedEscalation[];
}

/**
 * Before delivering: when a tier escalates, the inventory's answers this run is the first to see
 * (a status change, a new snooze: recorded by sweep and digest, only read by dry-run), then every
 * outstanding team's activity in one query, then (pure) this run's escalations and the budget over
 * its nudges. Nothing is read when no tier escalates and no budget is set, nor when chaser's
 * tables are absent.
 */
export async function planPacing(
  scope: RunScope,
  plan: Plan,
  campaign: string,
  {
    memory,
    source,
    runId,
  }: { memory: boolean; source: Pick<SourceShape, 'hasSnoozedUntil' | 'snoozedUntilKind'>; runId: RunId | undefined },
): Promise<Pacing> {
  const { config, now } = scope.request;
  // memory false: chaser's tables are absent (a dry-run before migrate), so there is no activity.
  if (!needsActivity(config) || !memory) return { deliver: plan, held: [], escalations: [] };
  const teams = plan.summaries.map((s) => s.team);
  const answeredNow = escalates(config)
    ? await guardDb(scope, () =>
        observeInventoryResponses(scope.sql, config.source, source, { teams, now, record: runId === undefined ? undefined : { runId } }),
      )
    : new Set<string>();
  const read = await guardDb(scope, () => readTeamActivity(scope.sql, teams, campaign, now));
  // Recorded ones are in what was just read; a dry-run's are added here, as answers given now.
  const activity = new Map([...read].map(([team, row]) => [team, answeredNow.has(team) ? withResponse(row, now) : row]));
  const escalations = planEscalations(plan.summaries, activity, config, now, resolveTeamCalendars(config));
  const budget = planBudget(plan.teams, activity, config, escalations);
  return { deliver: budget.held.length === 0 ? plan : { ...plan, teams: budget.send }, held: budget.held, escalations };
}
