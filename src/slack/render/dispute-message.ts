import type { DisputeToPost } from '../../policy/answers/disputes.js';
import { contextBlock, headerBlock, sectionBlock } from './blocks.js';
import { NAME_MAX_CHARS, TEAM_MAX_CHARS, mentionFor, safeMrkdwn } from './escape.js';
import { MAX_FALLBACK_TEXT, MAX_SECTION_TEXT, truncateMrkdwn } from './limits.js';
import type { SlackMessage } from './types.js';
import { plural } from './wording.js';

/** Most consumers named in one dispute post (the rest are counted). */
const NAMED_MAX = 20;

/**
 * A team's new routing disputes, posted to the fallbackChannel (pure): which consumers the team
 * says are not theirs, who said so, the owner they suggested, and how the lead settles it
 * (change the owner in the inventory, or react with the done reaction here to send them back).
 */
export function renderDisputePost(team: string, disputes: readonly DisputeToPost[], doneReaction: string): SlackMessage {
  const name = safeMrkdwn(team, TEAM_MAX_CHARS, '(no team)');
  const lines = disputes.slice(0, NAMED_MAX).map((d) => {
    const consumer = safeMrkdwn(d.name, NAME_MAX_CHARS, safeMrkdwn(d.consumerId, NAME_MAX_CHARS, '?'));
    const by = mentionFor(d.by) ?? safeMrkdwn(d.by, 40, 'someone');
    const suggested = d.suggestedTeam ? `, suggested owner @${safeMrkdwn(d.suggestedTeam, 40, '?')}` : '';
    const id = d.name ? ` (${safeMrkdwn(d.consumerId, NAME_MAX_CHARS, '?')})` : '';
    return `• *${consumer}*${id} — by ${by}${suggested}`;
  });
  if (disputes.length > NAMED_MAX) lines.push(`• and ${disputes.length - NAMED_MAX} more`);
  const count = plural(disputes.length, 'consumer');
  const emoji = `:${doneReaction.replace(/[^a-z0-9_+-]/gi, '')}:`;
  return {
    text: truncateMrkdwn(
      `Routing dispute: team ${name} says ${count} ${disputes.length === 1 ? 'is' : 'are'} not theirs.`,
      MAX_FALLBACK_TEXT,
    ),
    blocks: [
      headerBlock('Routing dispute'),
      sectionBlock(
        truncateMrkdwn(
          `Team *${name}* says ${disputes.length === 1 ? 'this consumer is' : 'these consumers are'} not theirs; chaser no longer nudges ${disputes.length === 1 ? 'it' : 'them'} in their thread:\n${lines.join('\n')}`,
          MAX_SECTION_TEXT,
        ),
      ),
      contextBlock(
        `To settle it: change the owner in the inventory (the new team is chased from the next run), or react ${emoji} here to keep ${disputes.length === 1 ? 'it' : 'them'} with *${name}* (chasing resumes in their thread on the next run).`,
      ),
    ],
  };
}
