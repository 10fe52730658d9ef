import { ChaserError, ExitCode } from '../../exit-codes.js';
import { resolveFailOn } from '../../policy/fail-on.js';
import type { RunMode } from '../../run/types.js';
import type { RunRequest } from '../scope.js';

/** Which side effects a command has. Which stages run is this table, not `if (dryRun)` in side effects. */
export interface RunSteps {
  /** Holds the sweep lock for the whole run. */
  lock: boolean;
  /** Opens and closes a chaser_runs record. */
  record: boolean;
  /** Posts the team nudges. */
  nudge: boolean;
  /** Talks to Slack at all (needs the token). */
  post: boolean;
  /** Posts the digest (post, unless --no-digest). */
  digest: boolean;
}

const STEPS: Record<RunMode, Omit<RunSteps, 'digest'>> = {
  sweep: { lock: true, record: true, nudge: true, post: true },
  digest: { lock: false, record: true, nudge: false, post: true },
  'dry-run': { lock: false, record: false, nudge: false, post: false },
};

/**
 * The first stage: every mistake in the request is refused before anything is read or posted.
 * dry-run is checked as the sweep it previews (the same 78 for a missing digest destination,
 * unless --no-digest), except that it needs no token: a missing one is a warning.
 */
export function checkRequest(request: RunRequest): RunSteps & { warnings: string[] } {
  const steps = { ...STEPS[request.command], digest: STEPS[request.command].post && request.digest };
  const previewed = request.command === 'dry-run' ? STEPS.sweep : STEPS[request.command];
  const warnings: string[] = [];
  const failOn = resolveFailOn(request.failOn, request.config.tiers);
  if (typeof failOn === 'string') throw new ChaserError(ExitCode.config, failOn);
  if (previewed.post && request.digest && !request.config.digest) {
    throw new ChaserError(ExitCode.config, 'digest: no destination configured', [
      'set digest.channel, digest.user or digest.email in the config, or pass --no-digest',
    ]);
  }
  if (previewed.post && !request.slackToken && !request.demo) {
    if (steps.post) {
      throw new ChaserError(ExitCode.config, 'SLACK_BOT_TOKEN is not set', [
        `set SLACK_BOT_TOKEN to the bot token (xoxb-…) to ${request.command === 'sweep' ? 'send nudges' : 'send the digest'}; \`chaser dry-run\` needs none`,
      ]);
    }
    warnings.push('SLACK_BOT_TOKEN is not set: this preview needs none, but `chaser sweep` would refuse to run (exit 78)');
  }
  return { ...steps, warnings };
}
