import type { KnownBlock } from '@slack/web-api';
import type { Tier } from '../../config/types.js';
import type { ConsumerAnswers } from '../../policy/answers/effects.js';
import { NOT_ALLOWED, type AckEvent } from '../../policy/answers/types.js';
import type { AnsweredConsumer, TeamPlan, TeamSummary } from '../../policy/types.js';
import { contextBlock, headerBlock, sectionBlock } from './blocks.js';
import { NAME_MAX_CHARS, TEAM_MAX_CHARS, escapeMrkdwn, mentionFor, safeMrkdwn, sanitizeText } from './escape.js';
import { MAX_FALLBACK_TEXT, MAX_SECTION_TEXT, truncateMrkdwn } from './limits.js';
import { renderTeamMessage, type StatusVocabulary } from './team-message.js';
import type { SlackMessage } from './types.js';
import { formatDate, formatMinuteUtc, plural } from './wording.js';

/**
 * The messages of a living thread (pure): the parent (the team's status, kept current with
 * chat.update and stamped "as of", so a stale copy is recognisable), the follow-up nudges, the
 * "Got it" confirmation of what chaser understood, and the last "all done".
 */

export const HOW_TO_ANSWER =
  'Answer in this thread: `done [consumer …]` · `snooze 3d [consumer …] [reason]` · `not ours [consumer …] [@team]` · `eta 2026-12-09 [consumer …]` — or react ✅ done, 💤 snooze, 🙅 not ours.';

/** Most answer notes shown under a message. */
const NOTES_MAX = 10;

export interface ParentInput {
  team: string;
  /** The team's due consumers, when it is nudged this run. */
  plan?: TeamPlan | undefined;
  summary?: TeamSummary | undefined;
  answered: readonly AnsweredConsumer[];
  now: Date;
  tiers: readonly Tier[];
  /** The thread this one continues, linked from the new parent. */
  previousPermalink?: string | undefined;
  /** The configured status words for the footer (source.doneStatuses); default confirmed / exempt. */
  vocabulary?: StatusVocabulary | undefined;
}

/** The parent: the nudge itself when the team is due, its status otherwise, always "as of" now. */
export function renderThreadParent(input: ParentInput): SlackMessage {
  const status = statusLine(input);
  const notes = [...answerNotes(input.answered, input.now), status, HOW_TO_ANSWER];
  if (input.previousPermalink && /^https:\/\/[^\s<>|]+$/.test(input.previousPermalink)) {
    notes.unshift(`Continues <${input.previousPermalink}|the previous thread>.`);
  }
  if (input.plan) return renderTeamMessage(input.plan, input.now, input.tiers, input.vocabulary, notes);
  const team = safeMrkdwn(input.team, TEAM_MAX_CHARS, '(no team)');
  const blocks: KnownBlock[] = [headerBlock('Key rotation status'), sectionBlock(`Team *${team}*: ${countsOf(input.summary)}.`)];
  for (const note of notes) blocks.push(contextBlock(note));
  return { text: truncateMrkdwn(`Key rotation status for team ${team}: ${countsOf(input.summary)}.`, MAX_FALLBACK_TEXT), blocks };
}

/** The parent's last state: everything done; the thread is closed after it. */
export function renderAllDone(team: string, now: Date): SlackMessage {
  const name = safeMrkdwn(team, TEAM_MAX_CHARS, '(no team)');
  const line = `✅ All done: every consumer of team *${name}* is off the revoked key. Thank you!`;
  return {
    text: truncateMrkdwn(`All done: team ${name} has nothing left on the revoked key.`, MAX_FALLBACK_TEXT),
    blocks: [
      headerBlock('Key rotation: all done'),
      sectionBlock(line),
      contextBlock(`Status as of ${formatMinuteUtc(now)}. This thread is closed.`),
    ],
  };
}

/** A follow-up nudge in the thread: the usual message, with what the answers mean under it. */
export function renderThreadReply(
  plan: TeamPlan,
  answered: readonly AnsweredConsumer[],
  now: Date,
  tiers: readonly Tier[],
  vocabulary?: StatusVocabulary,
): SlackMessage {
  return renderTeamMessage(plan, now, tiers, vocabulary, [...answerNotes(answered, now), HOW_TO_ANSWER]);
}

function statusLine(input: ParentInput): string {
  return `Status as of ${formatMinuteUtc(input.now)}: ${countsOf(input.summary)}.`;
}

function countsOf(summary: TeamSummary | undefined): string {
  if (!summary) return 'nothing outstanding';
  const parts = [plural(summary.outstanding, 'consumer') + ' outstanding'];
  if (summary.due > 0) parts.push(`${summary.due} nudged now`);
  if (summary.waiting > 0) parts.push(`${summary.waiting} waiting`);
  if (summary.snoozed > 0) parts.push(`${summary.snoozed} snoozed, claimed or disputed`);
  return parts.join(', ');
}

/** One line per consumer whose answers say something, plainly: the inventory stays the source of truth. */
export function answerNotes(answered: readonly AnsweredConsumer[], now: Date): string[] {
  // A consumer whose only answer has lapsed (a snooze that ended) has nothing left to say.
  const described = answered
    .map((consumer) => ({ consumer, said: describeAnswers(consumer.answers, now) }))
    .filter(({ said }) => said !== '');
  const lines = described.slice(0, NOTES_MAX).map(({ consumer, said }) => `${nameOf(consumer)}: ${said}`);
  if (described.length > NOTES_MAX) lines.push(`…and ${described.length - NOTES_MAX} more answered`);
  return lines.length === 0 ? [] : [truncateMrkdwn(lines.join('\n'), MAX_SECTION_TEXT)];
}

export function describeAnswers(answers: ConsumerAnswers, now: Date): string {
  const parts: string[] = [];
  const claim = answers.claim;
  if (claim) {
    const who = person(claim.by);
    if (claim.state === 'claimed')
      parts.push(`claimed done by ${who} on ${formatDate(claim.at)}; I'll check the inventory on ${formatDate(claim.graceEndsAt)}`);
    if (claim.state === 'unverified') parts.push(`claimed done by ${who} on ${formatDate(claim.at)}, still pending in the inventory`);
    if (claim.state === 'contradicted' && claim.seenAt) {
      parts.push(`claimed done by ${who} on ${formatDate(claim.at)}, still seen on the old key at ${formatMinuteUtc(claim.seenAt)}`);
    }
  }
  const snooze = answers.snooze;
  if (snooze && snooze.until > now) {
    parts.push(
      `snoozed by ${person(snooze.by)} until ${formatDate(snooze.until)}` +
        (snooze.overLimit ? ` (asked ${escapeMrkdwn(sanitizeText(snooze.requested, 10))}: longer snoozes need the security lead)` : ''),
    );
  }
  if (answers.dispute) {
    const suggested = answers.dispute.suggestedTeam ? `, suggested owner @${safeMrkdwn(answers.dispute.suggestedTeam, 40, '?')}` : '';
    parts.push(`marked not ours by ${person(answers.dispute.by)}${suggested}: not nudged here, listed for the security lead`);
  }
  if (answers.eta) parts.push(`eta ${formatDate(answers.eta.eta)} (${person(answers.eta.by)})`);
  if (answers.looksDone)
    parts.push(`not seen on the old key since ${formatDate(answers.looksDone.lastSeenAt)}: looks done — confirm in the inventory`);
  return parts.join('; ');
}

function nameOf(consumer: { id: string; name: string | null }): string {
  return `*${safeMrkdwn(consumer.name, NAME_MAX_CHARS, sanitizeText(consumer.id, 80, '(no id)'))}*`;
}

/** A user id becomes a mention only when it is one; anything else is shown as escaped text. */
function person(user: string): string {
  return mentionFor(user) ?? safeMrkdwn(user, 40, 'someone');
}

/**
 * The one confirmation per team per run: what chaser understood from the answers it read, and
 * what it did not (with the reason), so nobody wonders whether they were heard.
 */
export function renderConfirmation(
  events: readonly AckEvent[],
  names: ReadonlyMap<string, string | null>,
  settings: { claimGraceMs: number; maxSnoozeMs: number },
): SlackMessage | undefined {
  const lines: string[] = [];
  const groups = new Map<string, AckEvent[]>();
  for (const event of events) {
    if (event.kind === 'response') continue;
    const key = `${event.kind}|${event.actor}|${event.messageTs}|${event.detail ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(event);
    groups.set(key, list);
  }
  for (const group of groups.values()) {
    const first = group[0] as AckEvent;
    const who = person(first.actor);
    const consumers = group
      .filter((e) => e.consumerId !== null)
      .map(
        (e) => `*${safeMrkdwn(names.get(e.consumerId as string) ?? null, NAME_MAX_CHARS, sanitizeText(e.consumerId as string, 80, '?'))}*`,
      );
    const list = consumers.length > 6 ? `${consumers.slice(0, 6).join(', ')} and ${consumers.length - 6} more` : consumers.join(', ');
    switch (first.kind) {
      case 'done':
        lines.push(
          `${list} claimed done by ${who}: I'll check the inventory on ${formatDate(new Date(first.recordedAt.getTime() + settings.claimGraceMs))}`,
        );
        break;
      case 'snooze': {
        const until = first.untilAt ?? first.recordedAt;
        const capped = new Date(Math.min(until.getTime(), first.recordedAt.getTime() + settings.maxSnoozeMs));
        const over =
          until.getTime() > capped.getTime() ? ' (longer than allowed: the rest needs the security lead, listed in the digest)' : '';
        lines.push(`${list} snoozed by ${who} until ${formatDate(capped)}${over}`);
        break;
      }
      case 'not_ours':
        lines.push(`${list} marked not ours by ${who}: I'll stop nudging here and list it for the security lead`);
        break;
      case 'eta':
        lines.push(`${list}: eta ${first.untilAt ? formatDate(first.untilAt) : '?'} from ${who}, noted`);
        break;
      case 'refused':
        lines.push(
          first.detail === NOT_ALLOWED
            ? `${who}'s answer was not counted: only the team's own people answer for it`
            : `Not understood from ${who}: ${escapeMrkdwn(sanitizeText(first.detail ?? '', 300))}`,
        );
        break;
      default:
        break;
    }
  }
  if (lines.length === 0) return undefined;
  const body = truncateMrkdwn(lines.map((l) => `• ${l}`).join('\n'), MAX_SECTION_TEXT);
  return {
    text: truncateMrkdwn(`Got it: ${lines[0] ?? ''}`, MAX_FALLBACK_TEXT),
    blocks: [
      sectionBlock(`Got it:\n${body}`),
      contextBlock('chaser reads this thread on every run; the inventory stays the source of truth.'),
    ],
  };
}
