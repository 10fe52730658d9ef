import { printableJson } from '../printable.js';
import type { RunFilters, UnknownStatuses } from './types.js';

/** How two statuses compare when only case and spaces are ignored: "In Progress" ~ "inprogress". */
function loosely(status: string): string {
  return status.toLowerCase().replace(/\s+/gu, '');
}

/**
 * The configured status an unknown one differs from only by case or spaces ("TODO" for "todo",
 * "pending " for "pending"): almost always a vocabulary typo, so doctor and the run name it.
 */
export function nearMissOf(status: string | null, configured: readonly string[]): string | undefined {
  if (status === null) return undefined;
  const key = loosely(status);
  return configured.find((candidate) => candidate !== status && loosely(candidate) === key);
}

export function withNearMisses(unknown: UnknownStatuses, configured: readonly string[]): UnknownStatuses {
  return {
    ...unknown,
    statuses: unknown.statuses.map((entry) => {
      const nearMiss = nearMissOf(entry.status, configured);
      return nearMiss === undefined ? { ...entry } : { ...entry, nearMiss };
    }),
  };
}

/** `"TODO" (2 rows, like "todo"), NULL (1 row)`: the statuses as a person reads them, the first `limit`. */
export function describeUnknownStatuses(unknown: UnknownStatuses, limit = 5): string {
  const shown = unknown.statuses.slice(0, limit).map((entry) => {
    const name = showStatus(entry.status);
    const like = entry.nearMiss === undefined ? '' : `, differs only by case or spaces from ${showStatus(entry.nearMiss)}`;
    return `${name} (${entry.rows} ${entry.rows === 1 ? 'row' : 'rows'}${like})`;
  });
  const more = unknown.distinct - shown.length;
  return more > 0 ? `${shown.join(', ')}, and ${more} more` : shown.join(', ');
}

/** A status as stored, quoted (its spaces visible, nothing in it able to drive a terminal); NULL as NULL. */
export function showStatus(status: string | null): string {
  return status === null ? 'NULL' : printableJson(status);
}

/** "--team payments --team search --key kms/x", or '' for an unfiltered run. */
export function describeFilters(filters: RunFilters): string {
  const parts = [
    ...(filters.teams ?? []).map((team) => `--team ${team}`),
    ...(filters.keyId !== undefined ? [`--key ${filters.keyId}`] : []),
  ];
  return parts.join(' ');
}
