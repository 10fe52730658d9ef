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

/** The first stage: every mistake in the request is refused before anything is read or posted. */
export function checkRequest(request: RunRequest): RunSteps {
  const steps = { ...STEPS[request.command], digest: STEPS[request.command].post && request.digest };
  const failOn = resolveFailOn(request.failOn, request.config.tiers);
  if (typeof failOn === 'string') throw new ChaserError(ExitCode.config, failOn);
  if (steps.digest && !request.config.digest) {
    throw new ChaserError(ExitCode.config, 'digest: no destination configured', [
      'set digest.channel, digest.user or digest.email in the config, or pass --no-digest',
    ]);
  }
  if (steps.post && !request.slackToken) {
    throw new ChaserError(ExitCode.config, 'SLACK_BOT_TOKEN is not set', [
      `set SLACK_BOT_TOKEN to the bot token (xoxb-…) to ${request.command === 'sweep' ? 'send nudges' : 'send the digest'}; \`chaser dry-run\` needs none`,
    ]);
  }
  return steps;
}
