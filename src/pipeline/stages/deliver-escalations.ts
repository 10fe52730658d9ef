import type { DigestDestination, EscalationTarget } from '../../config/types.js';
import { recordEscalation } from '../../db/escalations.js';
import { readOpenThreads } from '../../db/threads.js';
import type { RunId } from '../../db/runs.js';
import { targetLabel, type PlannedEscalation } from '../../policy/escalation-plan.js';
import type { Plan } from '../../policy/types.js';
import type { EscalationOutcome } from '../../run/types.js';
import { resolveDigestRecipient } from '../../slack/deliver/digest-recipient.js';
import { describeFailure } from '../../slack/deliver/failures.js';
import { deliverAll, type Outbound } from '../../slack/deliver/notifier.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import { renderEscalation } from '../../slack/render/escalation-message.js';
import { guardDb, type RunScope } from '../scope.js';
import { permalinkOf } from './deliver-threads.js';

/**
 * After delivering: each planned escalation posted through the same notifier and recorded once
 * Slack said ok (a kill in between: the next run posts it once more, at most). Where it goes: a
 * user by DM, a channel in it, the lead to the digest's recipient, and a user group is mentioned
 * in a post to the digest's recipient (or the fallback channel when there is no digest). It links
 * the team's thread (its permalink, asked of Slack once and stored; none when Slack refuses).
 */
export async function deliverEscalations(
  scope: RunScope,
  {
    slack,
    plan,
    escalations,
    runId,
    campaign,
  }: {
    slack: SlackSession;
    plan: Plan;
    escalations: readonly PlannedEscalation[];
    runId: RunId | undefined;
    campaign: string;
  },
): Promise<EscalationOutcome[]> {
  const { request, env } = scope;
  if (escalations.length === 0 || env.signal.aborted) return [];
  const due = new Map(plan.teams.map((t) => [t.team, t]));
  const outcomes = new Map<string, EscalationOutcome>();
  const items: Outbound<string>[] = [];
  const byTeam = new Map(escalations.map((e) => [e.team, e]));
  // The teams' threads as they are now (one opened or replaced this run included), for the link.
  const threads =
    request.config.threads === 'reply'
      ? await guardDb(scope, () =>
          readOpenThreads(
            scope.sql,
            campaign,
            escalations.map((e) => e.team),
          ),
        )
      : new Map<string, never>();
  for (const escalation of escalations) {
    const base = {
      team: escalation.team,
      step: escalation.step,
      target: targetLabel(escalation.target),
      ignored: escalation.silence.ignored,
      since: escalation.silence.since,
    };
    if (escalation.sending.mode === 'hold') {
      // Outside the team's working hours: nothing sent or recorded; a run inside them sends it.
      outcomes.set(escalation.team, {
        ...base,
        delivered: false,
        error: 'held: outside working hours',
        held: { until: escalation.sending.opensAt },
      });
      env.log.info(`held the escalation of ${escalation.team}: outside working hours`, {
        opensAt: escalation.sending.opensAt.toISOString(),
      });
      continue;
    }
    const postAt = escalation.sending.mode === 'schedule' ? escalation.sending.postAt : undefined;
    const where = await destinationOf(slack, escalation.target, request.config.digest, request.config.fallbackChannel);
    if (!where.ok) {
      outcomes.set(escalation.team, { ...base, delivered: false, error: where.error });
      continue;
    }
    outcomes.set(escalation.team, { ...base, delivered: false, channel: where.channel, error: 'not sent' });
    // Only for an escalation about to go out: chat.getPermalink once per thread, then stored.
    const thread = threads.get(escalation.team);
    const permalink = thread ? ((await permalinkOf(scope, slack, thread)).previousPermalink ?? null) : null;
    items.push({
      key: escalation.team,
      channel: where.channel,
      ...(postAt ? { postAt } : {}),
      message: () =>
        renderEscalation({
          team: escalation.team,
          step: escalation.step,
          target: escalation.target,
          ignored: escalation.silence.ignored,
          since: escalation.silence.since,
          outstanding: escalation.outstanding,
          listed: due.get(escalation.team)?.listed ?? [],
          permalink,
          now: request.now,
        }),
    });
  }
  if (items.length > 0) {
    const report = await deliverAll(items, {
      ...slack.common,
      onDelivered: async (item, accepted) => {
        const escalation = byTeam.get(item.key);
        if (!escalation) return;
        await recordEscalation(scope.sql, {
          team: escalation.team,
          campaign,
          step: escalation.step,
          target: targetLabel(escalation.target),
          ignored: escalation.silence.ignored,
          ignoredSince: escalation.silence.since,
          channel: accepted.channel,
          ts: accepted.ts,
          runId,
          // A scheduled one counts from its post_at, like a scheduled nudge.
          now: accepted.scheduled?.postAt ?? request.now,
        });
        env.log.info(`escalated ${escalation.team}`, {
          step: escalation.step,
          to: targetLabel(escalation.target),
          ignored: escalation.silence.ignored,
        });
      },
    });
    if (report.unrecorded) {
      await guardDb(scope, () => Promise.reject(report.unrecorded?.error));
    }
    for (const [team, delivery] of report.results) {
      const outcome = outcomes.get(team);
      if (!outcome) continue;
      const sending = byTeam.get(team)?.sending;
      const scheduled = sending?.mode === 'schedule' ? { postAt: sending.postAt } : {};
      outcomes.set(
        team,
        delivery.ok
          ? { ...outcome, delivered: true, channel: delivery.channel, error: undefined, ...scheduled }
          : { ...outcome, error: delivery.reason },
      );
    }
  }
  return [...outcomes.values()].map(({ error, ...rest }) => (error === undefined ? rest : { ...rest, error }));
}

/** The planned escalations as a run that does not send them reports them (dry-run, digest, a failed sweep). */
export function unsentEscalations(escalations: readonly PlannedEscalation[], why: string): EscalationOutcome[] {
  return escalations.map((e) => ({
    team: e.team,
    step: e.step,
    target: targetLabel(e.target),
    ignored: e.silence.ignored,
    since: e.silence.since,
    delivered: false,
    error: e.sending.mode === 'hold' ? 'held: outside working hours' : why,
    ...(e.sending.mode === 'hold' ? { held: { until: e.sending.opensAt } } : {}),
  }));
}

async function destinationOf(
  slack: SlackSession,
  target: EscalationTarget,
  digest: DigestDestination | undefined,
  fallback: string | undefined,
): Promise<{ ok: true; channel: string } | { ok: false; error: string }> {
  if (target.kind === 'channel') return { ok: true, channel: target.channel };
  const destination: DigestDestination | undefined =
    target.kind === 'user'
      ? { user: target.id }
      : (digest ?? (target.kind === 'usergroup' && fallback ? { channel: fallback } : undefined));
  if (!destination) return { ok: false, error: 'no digest destination (or fallbackChannel) configured for the escalation' };
  const recipient = await resolveDigestRecipient(slack.client, destination);
  if (!recipient.ok) return { ok: false, error: `${recipient.label}: ${describeFailure(recipient.failure)}` };
  return { ok: true, channel: recipient.channel };
}
