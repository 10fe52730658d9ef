import type { Plan, TeamPlan } from '../../policy/types.js';

export interface SendingWindowSplit {
  /** Posted in this run (inside the window, or outsideHours "send"). */
  send: TeamPlan[];
  /** Posted with chat.scheduleMessage at the team's next opening (outsideHours "schedule"). */
  schedule: TeamPlan[];
  /** Not posted: a later run inside the window sends them (outsideHours "wait"); nothing recorded. */
  held: TeamPlan[];
}

/**
 * Pure: which due teams this run posts now, schedules or holds, by the sending decision the
 * planner made from each team's window. Held teams stay in the plan (reports and the digest
 * show them as held, with when their window opens) but get no delivery and no record.
 */
export function applySendingWindow(plan: Plan): SendingWindowSplit {
  const split: SendingWindowSplit = { send: [], schedule: [], held: [] };
  for (const team of plan.teams) {
    if (team.sending.mode === 'send') split.send.push(team);
    else if (team.sending.mode === 'schedule') split.schedule.push(team);
    else split.held.push(team);
  }
  return split;
}
