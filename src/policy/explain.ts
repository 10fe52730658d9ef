import { DEFAULT_COLUMNS } from '../config/defaults.js';
import type { SourceColumns } from '../config/types.js';
import { formatExactInstant, isValidDate } from './time.js';
import type { Laggard, Skipped } from './types.js';

/**
 * One line on why a laggard is or is not nudged in this run, for dry-run and --verbose:
 * "waiting: last nudged 2026-03-09 10:00Z in firm, next due at 2026-03-10 10:00Z (firm: every 24h)".
 * The cadence named is the current tier's, since that is the one the decision used.
 */
export function explainDisposition(laggard: Laggard, now: Date): string {
  const { tier, state, disposition, nextNudgeAt } = laggard;
  const overdue = `${laggard.daysOverdue} ${laggard.daysOverdue === 1 ? 'day' : 'days'} overdue, tier ${tier.name}`;
  const cadence = `${tier.name}: every ${tier.every}`;
  // An unreadable timestamp was decided as "never nudged" (see decideCadence), so it is explained as one.
  const lastNudgedAt = state && isValidDate(state.lastNudgedAt) ? state.lastNudgedAt : null;
  const last = lastNudgedAt
    ? `last nudged ${formatExactInstant(lastNudgedAt)}${state?.lastTier ? ` in ${state.lastTier}` : ''}` +
      (lastNudgedAt.getTime() > now.getTime() ? " (after this run's now: clock skew, or --now in the past?)" : '')
    : 'never nudged';
  const next = nextNudgeAt ? formatExactInstant(nextNudgeAt) : 'unknown';

  switch (disposition) {
    case 'due':
      return lastNudgedAt ? `due: ${last}, a cadence ago (${cadence}); ${overdue}` : `due: never nudged; ${overdue}`;
    case 'waiting':
      return `waiting: ${last}, next due at ${next} (${cadence})`;
    case 'snoozed': {
      const until = laggard.consumer.snoozedUntil ? formatExactInstant(laggard.consumer.snoozedUntil) : 'unknown';
      const later = until === next ? '' : `, then the cadence allows the next nudge at ${next} (${cadence})`;
      return `snoozed until ${until}${later}; ${last}`;
    }
  }
}

/** A warning line for a skipped row that names what to fix in the inventory (in its mapped column names). */
export function explainSkipped(skipped: Skipped, columns: Pick<SourceColumns, 'id' | 'team' | 'deadline'> = DEFAULT_COLUMNS): string {
  switch (skipped.reason) {
    case 'missing-id':
      return (
        `a consumer row${skipped.team ? ` of team ${JSON.stringify(skipped.team)}` : ''} skipped: its ${columns.id} is NULL, ` +
        'so it can be neither chased nor recorded; give it an id'
      );
    case 'missing-team':
      return `consumer ${JSON.stringify(skipped.id)} skipped: it has no team, so no one can be nudged; set its ${columns.team}`;
    case 'missing-deadline':
      return (
        `consumer ${JSON.stringify(skipped.id)} skipped: it has no valid rotation deadline, so it cannot be placed in a tier; ` +
        `set its ${columns.deadline}`
      );
    case 'duplicate-id':
      return `consumer ${JSON.stringify(skipped.id)} skipped: another row has the same id and was used instead; make ids unique`;
  }
}
