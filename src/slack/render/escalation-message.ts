import type { EscalationTarget } from '../../config/types.js';
import type { ListedConsumer } from '../../policy/types.js';
import { contextBlock, headerBlock, sectionBlock } from './blocks.js';
import { mentionFor, NAME_MAX_CHARS, safeMrkdwn, sanitizeText, TEAM_MAX_CHARS } from './escape.js';
import type { SlackMessage } from './types.js';
import { formatDate, plural } from './wording.js';

export interface EscalationInput {
  team: string;
  step: number;
  target: EscalationTarget;
  ignored: number;
  since: Date;
  outstanding: number;
  /** The most overdue consumers, when the team is due this run. */
  listed: readonly ListedConsumer[];
  /** The team's living thread (chat.getPermalink of its parent); null without one, or when Slack refused. */
  permalink: string | null;
  now: Date;
}

const LISTED = 10;

/**
 * The escalation past a silent team: who, which consumers, how many nudges went unanswered since
 * when, and the team's thread. A user group is mentioned in it (it is posted to the lead's
 * destination); a user gets it as a DM, a channel in the channel, the lead with the digest's recipient.
 */
export function renderEscalation(input: EscalationInput): SlackMessage {
  const team = safeMrkdwn(input.team, TEAM_MAX_CHARS, '(no team)');
  const mention = input.target.kind === 'usergroup' ? mentionFor(input.target.id) : null;
  const unanswered = `${plural(input.ignored, 'nudge')} to *${team}* went unanswered since ${formatDate(input.since)}`;
  const lines = [
    `${mention ? `${mention} ` : ''}Escalation (step ${input.step}): ${unanswered}; ${plural(input.outstanding, 'consumer')} still outstanding.`,
  ];
  const shown = input.listed.slice(0, LISTED);
  if (shown.length > 0) {
    lines.push(
      shown.map((c) => `• ${safeMrkdwn(c.name ?? c.id, NAME_MAX_CHARS, '(unnamed)')} — ${plural(c.daysOverdue, 'day')} overdue`).join('\n'),
    );
    if (input.outstanding > shown.length) lines.push(`…and ${input.outstanding - shown.length} more`);
  }
  const link = input.permalink && /^https:\/\/[^\s<>|]+$/.test(input.permalink) ? `<${input.permalink}|the team's thread>` : null;
  const text = `Escalation: ${unanswered}`;
  return {
    text,
    blocks: [
      headerBlock(`Escalation: ${sanitizeText(input.team, TEAM_MAX_CHARS, '(no team)')} is not answering`),
      sectionBlock(lines.join('\n')),
      contextBlock(
        link
          ? `See ${link}. Any reply or reaction there stops the escalation.`
          : "Any reply or reaction in the team's thread stops the escalation.",
      ),
    ],
  };
}
