import type { KnownBlock } from '@slack/web-api';
import type { Tier } from '../../config/types.js';
import type { ListedConsumer, TeamPlan } from '../../policy/types.js';
import { contextBlock, headerBlock, sectionBlock } from './blocks.js';
import {
  HERE_MENTION,
  KEY_ID_MAX_CHARS,
  NAME_MAX_CHARS,
  TEAM_MAX_CHARS,
  TIER_NAME_MAX_CHARS,
  escapeMrkdwn,
  mentionFor,
  safeMrkdwn,
  sanitizeText,
} from './escape.js';
import {
  MAX_BLOCKS,
  MAX_FALLBACK_TEXT,
  MAX_TOTAL_BLOCK_TEXT,
  blockTextLength,
  packLines,
  truncateMrkdwn,
} from './limits.js';
import { TONE_HEADERS, TONE_LABELS, renderTemplate, splitAtConsumers, templateFor, toneOf } from './templates.js';
import type { SlackMessage } from './types.js';
import { daysOverdueBetween, formatDate, overduePhrase, plural } from './wording.js';

// Room kept for the "…and N more" context while the list is packed.
const MORE_LINE_RESERVE = 120;

/**
 * One team's nudge: the tone of its most overdue tier, every due consumer that fits, a count of
 * the rest, and a footer that says how to make it stop. Pure: the same plan and `now` always give
 * the same message, and it always fits Slack's limits, whatever the inventory holds.
 * `listedCount` is how many consumers the message names (the others are in the "…and N more").
 */
export function renderTeamMessage(
  plan: TeamPlan,
  now: Date,
  tiers: readonly Tier[],
  /** Context lines after the list (mrkdwn, already escaped): a thread's status and answers. Their room is kept before packing. */
  notes: readonly string[] = [],
): SlackMessage & { listedCount: number } {
  const tone = toneOf(plan.tier, tiers);
  const rawTeam = sanitizeText(plan.team, TEAM_MAX_CHARS, '(no team)');
  const team = escapeMrkdwn(rawTeam);
  const tierName = safeMrkdwn(plan.tier.name, TIER_NAME_MAX_CHARS, '(unnamed tier)');
  const oldestDays = daysOverdueBetween(plan.oldestDeadline, now);
  const mention = mentionOf(plan);

  const { intro, outro } = splitAtConsumers(templateFor(plan.tier, tiers));
  const values = { team: rawTeam, count: plan.dueCount, oldestDays, tier: sanitizeText(plan.tier.name, TIER_NAME_MAX_CHARS) };
  const introText = joinNonEmpty([mention, renderTemplate(intro, values).trim()], ' ');
  const outroText = renderTemplate(outro, values).trim();

  const before: KnownBlock[] = [headerBlock(TONE_HEADERS[tone])];
  if (introText !== '') before.push(sectionBlock(introText));
  const routeNote = routeNoteOf(plan, team);
  if (routeNote) before.push(contextBlock(routeNote));

  const after: KnownBlock[] = [];
  if (outroText !== '') after.push(sectionBlock(outroText));
  for (const note of notes) after.push(contextBlock(note));
  after.push(contextBlock(footerOf(plan.tier, tierName)));

  const fixed = [...before, ...after];
  const packed = packLines(consumerLines(plan.listed), {
    chars: MAX_TOTAL_BLOCK_TEXT - blockTextLength(fixed) - MORE_LINE_RESERVE,
    blocks: MAX_BLOCKS - fixed.length - 1,
  });
  const listedCount = packed.taken;
  const more = Math.max(0, plan.dueCount - listedCount);

  const blocks: KnownBlock[] = [...before, ...packed.sections.map(sectionBlock)];
  if (more > 0) blocks.push(contextBlock(`…and ${more} more (most overdue listed first)`));
  blocks.push(...after);

  const text = truncateMrkdwn(
    joinNonEmpty(
      [
        mention,
        `${TONE_LABELS[tone]}: team ${team} has ${plural(plan.dueCount, 'consumer')} still on a revoked key ` +
          `(worst: ${overduePhrase(oldestDays)}).`,
      ],
      ' ',
    ),
    MAX_FALLBACK_TEXT,
  );
  return { text, blocks, listedCount };
}

/**
 * The ping, if the tier asks for one and there is someone valid to ping. A team mention needs a
 * team route with a well-formed id; `here` pings whichever channel the message lands in, the
 * fallback included (its readers are the ones who must act for an unconfigured team).
 */
function mentionOf(plan: TeamPlan): string {
  if (plan.route.kind === 'unrouted') return '';
  if (plan.tier.mention === 'here') return HERE_MENTION;
  if (plan.tier.mention === 'team' && plan.route.kind === 'team') return mentionFor(plan.route.mention) ?? '';
  return '';
}

function routeNoteOf(plan: TeamPlan, team: string): string | null {
  if (plan.route.kind === 'fallback') {
    return `ℹ️ Routed here because team *${team}* has no channel in chaser's config. Add one under \`teams\` to send these to the team directly.`;
  }
  if (plan.route.kind === 'unrouted') {
    return `⚠️ Not deliverable: team *${team}* has no channel in chaser's config and no \`fallbackChannel\` is set.`;
  }
  return null;
}

function footerOf(tier: Tier, tierName: string): string {
  const every = safeMrkdwn(tier.every, 20, '');
  const cadence = every === '' ? '' : ` · repeats every ${every} while pending`;
  return (
    `Sent by chaser · tier *${tierName}*${cadence} · ` +
    'To stop it: move each consumer to the new key and set its status to `confirmed` in the rotation inventory ' +
    '(or `exempt` if it cannot move).'
  );
}

/** One line per consumer, rendered only as the packer asks for them: a capped list never pays for the rest. */
function* consumerLines(listed: readonly ListedConsumer[]): Generator<string> {
  for (const consumer of listed) yield consumerLine(consumer);
}

export function consumerLine(consumer: ListedConsumer): string {
  const id = sanitizeText(consumer.id, KEY_ID_MAX_CHARS, '(no id)');
  const name = safeMrkdwn(consumer.name, NAME_MAX_CHARS, id);
  const keyId = sanitizeText(consumer.keyId ?? '', KEY_ID_MAX_CHARS);
  const key = keyId === '' ? 'key _unknown_' : `key \`${escapeMrkdwn(keyId)}\``;
  return `• *${name}* — ${key} · deadline ${formatDate(new Date(consumer.deadlineMs))} · ${overduePhrase(consumer.daysOverdue)}`;
}

function joinNonEmpty(parts: readonly string[], separator: string): string {
  return parts.filter((part) => part !== '').join(separator);
}
