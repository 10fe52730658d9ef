import { readOverdueConsumers } from '../../db/consumers.js';
import type { SourceShape } from '../../db/source.js';
import { countUnknownStatuses } from '../../db/statuses.js';
import { explainSkipped } from '../../policy/explain.js';
import { resolveTeamCalendars } from '../../calendar/team-calendars.js';
import { createPlanBuilder } from '../../policy/plan.js';
import { describeUnknownStatuses } from '../../policy/statuses.js';
import type { Plan, PlanAnswers } from '../../policy/types.js';
import { printableJson } from '../../printable.js';
import { guardDb, requestFilters, warn, type RunScope } from '../scope.js';
import { answerSettingsOf } from './harvest-answers.js';

/**
 * Reads the overdue consumers in batches into the pure planner (answers read back from the team
 * threads applied per row: policy/answers/), and apart from them the rows whose status is neither
 * pending nor done; warns once per row it skipped and once for the unknown statuses.
 * `memory: false`: chaser's tables are absent, every consumer reads as never nudged.
 */
export async function readPlan(
  scope: RunScope,
  source: SourceShape,
  { memory, answers }: { memory: boolean; answers?: PlanAnswers | undefined },
): Promise<Plan> {
  const { request, sql } = scope;
  const filters = requestFilters(request);
  const evidence = source.lastSeenKind !== null;
  // With evidence mapped, a consumer nobody answered about can still "look done": the settings are needed without any events.
  const withAnswers = answers ?? (evidence ? { byConsumer: new Map(), settings: answerSettingsOf(scope) } : undefined);
  let rowsRead = 0;
  const plan = await guardDb(scope, async () => {
    const builder = createPlanBuilder(
      {
        tiers: request.config.tiers,
        teams: request.config.teams,
        ...(request.config.fallbackChannel ? { fallbackChannel: request.config.fallbackChannel } : {}),
        pendingStatuses: request.config.source.pendingStatuses,
        doneStatuses: request.config.source.doneStatuses,
        idsUnique: source.idIsUnique,
        filters,
        calendars: resolveTeamCalendars(request.config),
        ...(withAnswers ? { answers: withAnswers } : {}),
        evidence,
      },
      request.now,
    );
    // Its own statement, before the cursor opens: on PGlite nothing else may run while it is open.
    builder.setUnknownStatuses(
      await countUnknownStatuses(sql, request.config.source, { now: request.now, deadlineKind: source.deadlineKind, filters }),
    );
    for await (const rows of readOverdueConsumers(sql, request.config.source, {
      now: request.now,
      hasSnoozedUntil: source.hasSnoozedUntil,
      deadlineKind: source.deadlineKind,
      snoozedUntilKind: source.snoozedUntilKind,
      lastSeenKind: source.lastSeenKind,
      withState: memory,
      ...filters,
    })) {
      rowsRead += rows.length;
      builder.addRows(rows);
    }
    return builder.finish();
  });
  scope.env.log.debug('rows read', { rows: rowsRead });
  scope.env.log.debug('plan', {
    outstanding: plan.outstanding,
    byTier: plan.byTier,
    teams: plan.summaries.length,
    teamsDue: plan.teams.length,
    skipped: plan.skipped.length,
  });
  for (const skipped of plan.skipped) {
    scope.env.log.warn(explainSkipped(skipped, request.config.source.columns), { reason: skipped.reason });
  }
  const unreadable = plan.evidence?.unreadable ?? 0;
  if (unreadable > 0) {
    const column = request.config.source.columns.lastSeenOnOldKey ?? '';
    const ids = plan.evidence?.unreadableIds.map((id) => printableJson(id)) ?? [];
    warn(
      scope,
      `${unreadable} consumer(s) have a ${column} (source.columns.lastSeenOnOldKey) that is not an instant chaser can read ` +
        `(${ids.join(', ')}${unreadable > ids.length ? ', …' : ''}), so when they last used the old key is unknown: ` +
        'they are chased as if no evidence were mapped; set it to a timestamp, an ISO 8601 text or NULL',
    );
  }
  const unknown = plan.unknownStatuses;
  if (unknown.rows > 0) {
    warn(
      scope,
      `${unknown.rows} row(s) have a ${request.config.source.columns.status} in neither source.pendingStatuses nor source.doneStatuses, ` +
        'so they are not treated as done' +
        `${unknown.overdue > 0 ? ` (${unknown.overdue} past their deadline keep the gate failing)` : ''}: ${describeUnknownStatuses(unknown)}; ` +
        'add each to pendingStatuses or doneStatuses (values compare exactly)',
    );
  }
  return plan;
}
