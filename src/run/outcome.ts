import { ExitCode, mostSevere, SIGNAL_EXIT, type StopSignal } from '../exit-codes.js';
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
  /** The signal that arrived during the run, if one did: the run ends with its code. */
  interrupted?: StopSignal;
}

/** What the run record (chaser_runs) says; `outcome` is redacted by the shell before it is written. */
export interface RunRecordOutcome {
  outstanding: number;
  nudged: number;
  teamsMessaged: number;
  teamsFailed: number;
  digestDelivered: boolean;
  /** The code the process exits with (143 / 130 when a signal stopped the run). */
  exitCode: ExitCode | null;
  /** A short word or sentence for operators: "ok", "interrupted", or the problems joined. */
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
  if (input.interrupted) {
    codes.push(SIGNAL_EXIT[input.interrupted]);
    problems.unshift(interruptedSentence(input, input.interrupted));
  }
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
      exitCode,
      outcome: problems.length > 0 ? problems.join('; ') : 'ok',
    },
  };
}

/** What an interrupted run did and did not do, in one sentence (stderr, the run record, the summary). */
function interruptedSentence(input: OutcomeInput, signal: StopSignal): string {
  const parts: string[] = [];
  if (input.nudges) {
    const teams = input.plan.teams.filter((t) => !input.unrouted.has(t.team));
    const delivered = teams.filter((t) => input.deliveries.get(t.team)?.ok).length;
    parts.push(
      `${delivered} of ${teams.length} team message(s) delivered and recorded, ${teams.length - delivered} not sent (the next run sends them)`,
    );
  }
  parts.push(input.digest?.delivered ? 'the digest was sent' : 'the digest was not sent');
  return `interrupted by ${signal}: ${parts.join('; ')}`;
}
