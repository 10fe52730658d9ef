/** A campaign's history as chaser's tables hold it: value types shared by the pipeline, report and evidence. */
import type { Projection } from '../policy/trend.js';

/**
 * Statuses that mean "moved off the key" and "excused". v0.2's `source.doneStatuses` (issue 8)
 * replaces the first list when it lands; a status in no list is never treated as done.
 */
export const DONE_STATUSES: readonly string[] = ['confirmed'];
export const EXEMPT_STATUSES: readonly string[] = ['exempt'];

/** One campaign's counts as one run saw the inventory (a chaser_snapshots row). */
export interface Snapshot {
  /** chaser_runs.id in its text form. */
  runId: string;
  keyId: string;
  asOf: Date;
  command: string;
  inScope: number;
  confirmed: number;
  exempt: number;
  pendingNotDue: number;
  outstanding: number;
  outstandingByTier: Record<string, number>;
  snoozed: number;
  /** Two-way issue (answers read from Slack): 0 until that lands. */
  claimed: number;
  disputed: number;
  unknownStatus: number;
  undated: number;
  topTeams: { team: string; outstanding: number; maxDaysOverdue: number }[];
}

/** Per campaign and team: how many nudged consumers left, and how long it took (days, median). */
export interface TeamResolutionStats {
  keyId: string;
  team: string;
  resolved: number;
  confirmed: number;
  exempt: number;
  removed: number;
  /** Median days from the deadline to done (negative: done before the deadline). */
  medianDaysFromDeadline: number | null;
  /** Median days from the first nudge to done. */
  medianDaysFromFirstNudge: number | null;
}

/** What the digest shows of the campaigns' history (built by buildDigestHistory, pure). */
export interface DigestHistory {
  /** The as_of of the last run that delivered a digest; null before the first one. */
  since: Date | null;
  campaigns: CampaignLine[];
  /** Teams in the worst tiers, with the consumers a lead forwards to the team's manager. */
  teams: TeamDetail[];
}

export interface CampaignLine {
  keyId: string;
  inScope: number;
  outstanding: number;
  /** (confirmed + exempt) / in scope. */
  done: number;
  /** Outstanding, the last snapshot of each of the recent days, oldest first. */
  trend: number[];
  /** Outstanding now minus at the last digest; null when there was none. */
  change: number | null;
  projection: Projection;
  slowest: { team: string; outstanding: number; maxDaysOverdue: number }[];
  /** Outstanding consumers claimed done (within claimGrace) and disputed, in the latest snapshot. */
  claimed: number;
  disputed: number;
}

export interface TeamDetail {
  team: string;
  tier: string;
  consumers: { id: string; name: string | null; nudgeCount: number; firstNudgedAt: Date | null; daysOverdue: number }[];
  /** Outstanding consumers of the team not listed. */
  more: number;
  /** Since the last digest. */
  confirmed: number;
  exempted: number;
  newlyOverdue: number;
}
