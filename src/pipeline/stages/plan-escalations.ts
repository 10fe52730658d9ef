import { readTeamActivity } from '../../db/escalations.js';
import { needsActivity, planBudget, planEscalations, type HeldNudge, type PlannedEscalation } from '../../policy/escalation-plan.js';
import type { Plan } from '../../policy/types.js';
import { guardDb, type RunScope } from '../scope.js';

export interface Pacing {
  /** The plan the nudges are delivered from: the teams the budget let through. */
  deliver: Plan;
  held: HeldNudge[];
  escalations: PlannedEscalation[];
}

/**
 * Before delivering: every outstanding team's activity in one query, then (pure) this run's
 * escalations and the budget over its nudges. Nothing is read when no tier escalates and no
 * budget is set, nor when chaser's tables are absent.
 */
export async function planPacing(scope: RunScope, plan: Plan, campaign: string, { memory }: { memory: boolean }): Promise<Pacing> {
  const { config, now } = scope.request;
  // memory false: chaser's tables are absent (a dry-run before migrate), so there is no activity.
  if (!needsActivity(config) || !memory) return { deliver: plan, held: [], escalations: [] };
  const teams = plan.summaries.map((s) => s.team);
  const activity = await guardDb(scope, () => readTeamActivity(scope.sql, teams, campaign, now));
  const escalations = planEscalations(plan.summaries, activity, config, now);
  const budget = planBudget(plan.teams, activity, config, escalations);
  return { deliver: budget.held.length === 0 ? plan : { ...plan, teams: budget.send }, held: budget.held, escalations };
}
