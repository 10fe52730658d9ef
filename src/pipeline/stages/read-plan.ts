import { readOverdueConsumers } from '../../db/consumers.js';
import type { SourceShape } from '../../db/source.js';
import { explainSkipped } from '../../policy/explain.js';
import { createPlanBuilder } from '../../policy/plan.js';
import type { Plan, PlanAnswers } from '../../policy/types.js';
import { guardDb, requestFilters, type RunScope } from '../scope.js';

/** Reads the overdue consumers in batches into the pure planner; warns once per row it skipped. */
export async function readPlan(scope: RunScope, source: SourceShape, answers?: PlanAnswers): Promise<Plan> {
  const { request, sql } = scope;
  const plan = await guardDb(scope, async () => {
    const builder = createPlanBuilder(
      {
        tiers: request.config.tiers,
        teams: request.config.teams,
        ...(request.config.fallbackChannel ? { fallbackChannel: request.config.fallbackChannel } : {}),
        pendingStatuses: request.config.source.pendingStatuses,
        idsUnique: source.idIsUnique,
        ...(answers ? { answers } : {}),
      },
      request.now,
    );
    for await (const rows of readOverdueConsumers(sql, request.config.source, {
      now: request.now,
      hasSnoozedUntil: source.hasSnoozedUntil,
      ...requestFilters(request),
    })) {
      builder.addRows(rows);
    }
    return builder.finish();
  });
  for (const skipped of plan.skipped) {
    scope.env.log.warn(explainSkipped(skipped, request.config.source.columns), { reason: skipped.reason });
  }
  return plan;
}
