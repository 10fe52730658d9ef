import { ExitCode, mostSevere } from '../exit-codes.js';
import type { Plan } from '../policy/types.js';
import type { Delivery, DigestOutcome } from './types.js';

export interface OutcomeInput {
  plan: Plan;
  /** Every team's delivery, unrouted teams included (as failures with their reason). */
  deliveries: ReadonlyMap<string, Delivery>;
  /** Teams with no channel: listed in the digest, not counted as failed deliveries. */
  unrouted: ReadonlySet<string>;
  /** The run posts nudges (sweep): only then does an undelivered team message fail the run. */
  nudges: boolean;
  /** Set when the credentials could not post at all while nudging. */
  nudgeFatal?: { message: string };
  /** The digest as tried; undefined when it was not tried (dry-run, --no-digest, aborted, Slack unusable). */
  digest?: DigestOutcome & { fatal?: boolean };
  /** Something is outstanding at or above --fail-on. */
  outstandingExceeded: boolean;
  /** SIGTERM / SIGINT arrived during the run. */
  interrupted: boolean;
}

/** What the run record says, before redaction (the shell redacts `outcome` where it leaves). */
export interface RunRecordOutcome {
  outstanding: number;
  nudged: number;
  teamsMessaged: number;
  teamsFailed: number;
  digestDelivered: boolean;
  /** Null when the run was interrupted before it could decide one. */
  exitCode: ExitCode | null;
  outcome: string;
}

export interface Outcome {
  exitCode: ExitCode;
  /** Human sentences about why the exit code is not 0 or 3, most important first. */
  problems: string[];
  record: RunRecordOutcome;
}

const FAILED_TEAMS_LISTED = 10;

/** Which exit code, which problems and what the run record says: pure, from what the run did. */
export function decideOutcome(input: OutcomeInput): Outcome {
  const codes: ExitCode[] = [];
  const problems: string[] = [];
  if (input.nudgeFatal) {
    codes.push(ExitCode.unavailable);
    problems.push(input.nudgeFatal.message);
  }
  const failedTeams = [...input.deliveries.entries()].flatMap(([team, d]) =>
    !d.ok && !input.unrouted.has(team) ? [{ team, reason: d.reason }] : [],
  );
  if (failedTeams.length > 0 && input.nudges) {
    codes.push(ExitCode.deliveryFailed);
    const listed = failedTeams.slice(0, FAILED_TEAMS_LISTED).map((f) => `${f.team} (${f.reason})`);
    problems.push(`${failedTeams.length} team message(s) not delivered: ${listed.join(', ')}`);
  }
  const digest = input.digest;
  if (digest && !digest.delivered) {
    codes.push(digest.fatal ? ExitCode.unavailable : ExitCode.deliveryFailed);
    problems.push(`the digest could not be delivered to ${digest.channel ?? 'its recipient'}: ${digest.error}`);
  }
  if (input.outstandingExceeded) codes.push(ExitCode.outstanding);
  const exitCode = mostSevere(codes);

  const { plan, deliveries } = input;
  return {
    exitCode,
    problems,
    record: {
      outstanding: plan.outstanding,
      nudged: plan.teams.reduce((n, t) => n + (deliveries.get(t.team)?.ok ? t.nudges.count : 0), 0),
      teamsMessaged: [...deliveries.values()].filter((d) => d.ok).length,
      teamsFailed: failedTeams.length,
      digestDelivered: digest?.delivered ?? false,
      exitCode: input.interrupted ? null : exitCode,
      outcome: input.interrupted ? 'interrupted' : problems.length > 0 ? problems.join('; ') : 'ok',
    },
  };
}
