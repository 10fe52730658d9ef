import { describeDbError } from '../../db/connect.js';
import type { HeldSweepLock } from '../../db/lock.js';
import { createNudgeRecorder } from '../../db/nudge-recorder.js';
import { recordScheduledNudge } from '../../db/scheduled.js';
import type { RunId } from '../../db/runs.js';
import type { Plan, TeamPlan } from '../../policy/types.js';
import type { Delivery } from '../../run/types.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import { statusVocabulary } from '../../slack/render/team-message.js';
import { answerNotes } from '../../slack/render/thread-messages.js';
import type { RunScope } from '../scope.js';

export interface NudgesSent {
  deliveries: Map<string, Delivery>;
  /** Set when the credentials could not post at all: the run stopped before the next post. */
  fatal?: { message: string; code?: string };
}

/**
 * Posts each due team's message and records it the moment Slack accepts it (the message is out,
 * so the record comes first); the lock is checked before every further post. A record that
 * failed stops the posting; the teams in flight are still recorded, and the error names every
 * team whose message went out unrecorded.
 */
export async function deliverNudges(
  scope: RunScope,
  {
    slack,
    teams,
    runId,
    lock,
    answered,
  }: {
    slack: SlackSession;
    teams: readonly TeamPlan[];
    runId: RunId | undefined;
    lock: HeldSweepLock | undefined;
    /** Plan.answered: shown under each team's message (with threads "off", the lastSeenOnOldKey evidence). */
    answered?: Plan['answered'];
  },
): Promise<NudgesSent> {
  const { request, env } = scope;
  if (runId === undefined) throw new Error('deliverNudges: nudges are recorded against a run record, and none was opened');
  const recorder = createNudgeRecorder(scope.sql, { runId, now: request.now });
  const report = await slack.deliverNudges(teams, {
    now: request.now,
    tiers: request.config.tiers,
    vocabulary: statusVocabulary(request.config.source),
    ...(request.config.fallbackChannel ? { fallbackChannel: request.config.fallbackChannel } : {}),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    // Tagged like thread posts: a timed-out post Slack delivered is found and recorded, not re-sent.
    tag: { runId, campaign: request.keyId ?? '' },
    ...(answered ? { notesFor: (team: TeamPlan) => answerNotes(answered.get(team.team) ?? [], request.now) } : {}),
    record: async (team, accepted) => {
      const nudges = {
        team: team.team,
        channel: accepted.channel,
        messageTs: accepted.ts,
        ids: team.nudges.ids(),
        tiers: team.nudges.tiers(),
      };
      if (accepted.scheduled) {
        // A scheduled message counts as a nudge from its post_at, and is reconciled next run.
        const { id, postAt } = accepted.scheduled;
        await recordScheduledNudge(scope.sql, { runId, now: request.now }, nudges, {
          scheduledMessageId: id,
          team: team.team,
          channel: accepted.channel,
          postAt,
          consumerIds: nudges.ids,
        });
      } else {
        await recorder.record(nudges);
      }
      env.log.debug(`recorded ${team.team}`, { nudges: team.nudges.count, channel: accepted.channel, ts: accepted.ts });
    },
    // Recorded first (the message is out), then no further post without the lock.
    halt: () => (lock?.lost ? 'the sweep lock was lost' : undefined),
  });
  if (report.unrecorded) {
    const { keys, error } = report.unrecorded;
    throw describeDbError(error, env.redact, `while recording delivered nudges: ${unrecordedTeams(keys)}`) ?? error;
  }
  lock?.assertHeld();
  for (const [team, delivery] of report.results) {
    if (!delivery.ok) env.log.debug(`not delivered: ${team}`, { reason: delivery.reason });
  }
  return {
    deliveries: new Map(report.results),
    ...(report.fatal ? { fatal: { message: report.fatal.message, code: report.fatal.code } } : {}),
  };
}

/** Names the teams whose message went out but whose record did not (the README promises it). */
export function unrecordedTeams(teams: readonly string[]): string {
  const names = teams.map((t) => JSON.stringify(t));
  const shown = names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
  const one = teams.length === 1;
  return `the message to ${one ? 'team' : 'teams'} ${shown} went out but is not recorded, so ${one ? 'it' : 'they'} may be nudged again on the next run`;
}

/** What a run that posts no nudges delivered: nothing yet (unrouted teams are marked next). */
export function noNudges(): NudgesSent {
  return { deliveries: new Map() };
}
