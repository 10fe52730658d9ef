import type { HeldNudge } from '../policy/escalation-plan.js';
import type { ExitCode } from '../exit-codes.js';
import type { TeamAnswerFacts } from '../policy/answers/effects.js';
import type { AckEvent } from '../policy/answers/types.js';
import type { Plan } from '../policy/types.js';
import type { Snapshot } from './history.js';

/** The three commands that run the pipeline: the one place this union is written. */
export type RunMode = 'sweep' | 'digest' | 'dry-run';

/** What happened to one delivery: errors at this edge are values, not exceptions. */
export type Delivery =
  | {
      ok: true;
      channel: string;
      ts: string;
      /** Delivered in the fallbackChannel because the team's own channel could not be reached. */
      fallbackFrom?: { channel: string; reason: string };
    }
  | {
      ok: false;
      reason: string;
      /** The channel itself cannot take the post (channel_not_found, is_archived, not_in_channel): a fallback may. */
      unreachable?: true;
      /**
       * The post reached Slack but no answer chaser could read came back (slack/deliver/failures.ts
       * `lost`): it may have been delivered. Not retried in this run and not recorded, so the next
       * run sends it at most once more; a lookup of what was posted can settle it (issue 10).
       */
      uncertain?: true;
    };

/** What became of the digest. */
export interface DigestOutcome {
  delivered: boolean;
  channel?: string;
  error?: string;
  /** Outside the team's working hours ("wait"): not sent, not recorded; a run inside them sends it. */
  held?: { until: Date };
  /** Outside them with "schedule": Slack posts it at this instant (delivered: Slack accepted it). */
  postAt?: Date;
}

/** Statements sent to Postgres and HTTP requests sent to Slack (-v stats, benchmarks, the query-count test). */
export interface RunStats {
  queries: number;
  slackCalls: number;
}

/** The living threads after this run (threads: "reply"): where each team's is, and what was read back. */
export interface RunThreads {
  /** Per team, its open thread. */
  open: Map<string, { channel: string; ts: string }>;
  /** "Did the team answer?" per team. */
  facts: Map<string, TeamAnswerFacts>;
  /** Per team, the answers this run read back (recorded, or in dry-run what would be). */
  read: Map<string, AckEvent[]>;
  /** Why the harvest did not run, when it did not ("dry-run", "no Slack token", …). */
  skipped?: string;
  /** Teams whose thread was not read whole, with why. */
  incomplete: Map<string, string>;
  /** Slack read calls, per method. */
  calls: Map<string, number>;
}

/** What one run of sweep / digest / dry-run decided and did: the input of every reporter. */
export interface RunResult {
  command: RunMode;
  now: Date;
  plan: Plan;
  /** Per team with something due: what happened to its message (absent in dry-run). */
  deliveries: Map<string, Delivery>;
  digest: DigestOutcome;
  /** The campaign counts this run wrote (one per key); null for dry-run, which writes nothing. */
  snapshot: Snapshot[] | null;
  exitCode: ExitCode;
  /** Human sentences about why the exit code is not 0 or 3 (failed deliveries, aborted run). */
  problems: string[];
  /**
   * What the operator should know about this run's input, also logged as warnings: statuses
   * chaser does not know, a database with no chaser memory yet (dry-run before migrate).
   */
  warnings: string[];
  stats: RunStats;
  threads?: RunThreads;
  /** Nudges the per-team budget held back this run (never dropped: counted here, in the record, in the digest). */
  held?: HeldNudge[];
  /** Escalations past silent teams: planned (dry-run, digest) or sent (sweep). */
  escalations?: EscalationOutcome[];
}

/** One escalation this run: where it went, or why it did not. */
export interface EscalationOutcome {
  team: string;
  step: number;
  /** lead | user:U… | usergroup:S… | channel:C… */
  target: string;
  ignored: number;
  since: Date;
  delivered: boolean;
  channel?: string;
  error?: string;
  /** Outside the team's working hours ("wait"): not sent, not recorded; a run inside them sends it. */
  held?: { until: Date };
  /** Outside them with "schedule": Slack posts it at this instant (delivered: Slack accepted it). */
  postAt?: Date;
}
