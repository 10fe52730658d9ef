import type { KnownBlock } from '@slack/web-api';
import { DEFAULT_COLUMNS, DEFAULT_DONE_STATUSES } from '../../config/defaults.js';
import type { SourceConfig, Tier } from '../../config/types.js';
import type { ListedConsumer, TeamPlan } from '../../policy/types.js';
import { contextBlock, headerBlock, sectionBlock } from './blocks.js';
import {
  HERE_MENTION,
  KEY_ID_MAX_CHARS,
  NAME_MAX_CHARS,
  TEAM_MAX_CHARS,
  TIER_NAME_MAX_CHARS,
  channelRef,
  escapeMrkdwn,
  mentionFor,
  safeMrkdwn,
  sanitizeText,
} from './escape.js';
import { MAX_BLOCKS, MAX_FALLBACK_TEXT, MAX_TOTAL_BLOCK_TEXT, blockTextLength, packLines, truncateMrkdwn } from './limits.js';
import { TONE_ASKS, TONE_LABELS, headerFor, renderTemplate, splitAtConsumers, templateFor, toneOf } from './templates.js';
import type { SlackMessage } from './types.js';
import { daysOverdueBetween, formatDate, overduePhrase, plural } from './wording.js';

// Room kept for the "…and N more" context while the list is packed.
const MORE_LINE_RESERVE = 120;
const STATUS_MAX_CHARS = 40;

/**
 * The words the footer tells a team to write into its inventory: the mapped status column and the
 * configured done values (the first means "moved", the others "exempt"), so a table of `DONE`
 * is not told to say `confirmed`.
 */
export interface StatusVocabulary {
  column: string;
  done: readonly string[];
}

export const DEFAULT_VOCABULARY: StatusVocabulary = Object.freeze({ column: DEFAULT_COLUMNS.status, done: DEFAULT_DONE_STATUSES });

export function statusVocabulary(source: Pick<SourceConfig, 'columns' | 'doneStatuses'>): StatusVocabulary {
  return { column: source.columns.status, done: source.doneStatuses };
}

/**
 * One team's nudge: a header and intro in the tone of its most overdue tier (the header names
 * that tier, once), every due consumer that fits, grouped by tone, each group asked what its own
 * tier asks, a count of the rest, and a footer that says how to make it stop. Pure: the same
 * plan and `now` always give the same message, and it always fits Slack's limits, whatever the inventory holds.
 * `listedCount` is how many consumers the message names (the others are in the "…and N more").
 */
export function renderTeamMessage(
  plan: TeamPlan,
  now: Date,
  tiers: readonly Tier[],
  vocabulary: StatusVocabulary = DEFAULT_VOCABULARY,
  /** Context lines after the list (mrkdwn, already escaped): a thread's status and answers. Their room is kept before packing. */
  notes: readonly string[] = [],
): SlackMessage & { listedCount: number } {
  const tone = toneOf(plan.tier, tiers);
  const rawTeam = sanitizeText(plan.team, TEAM_MAX_CHARS, '(no team)');
  const team = escapeMrkdwn(rawTeam);
  const oldestDays = daysOverdueBetween(plan.oldestDeadline, now);
  const mention = mentionOf(plan);

  const { intro, outro } = splitAtConsumers(templateFor(plan.tier, tiers));
  const values = { team: rawTeam, count: plan.dueCount, oldestDays, tier: sanitizeText(plan.tier.name, TIER_NAME_MAX_CHARS) };
  const introText = joinNonEmpty([mention, renderTemplate(intro, values).trim()], ' ');
  const outroText = renderTemplate(outro, values).trim();

  const tierName = sanitizeText(plan.tier.name, TIER_NAME_MAX_CHARS, '(unnamed tier)');
  const before: KnownBlock[] = [headerBlock(headerFor(plan.tier, tiers, tierName))];
  if (introText !== '') before.push(sectionBlock(introText));
  const routeNote = routeNoteOf(plan, team);
  if (routeNote) before.push(contextBlock(routeNote));

  const after: KnownBlock[] = [];
  if (outroText !== '') after.push(sectionBlock(outroText));
  const listedTiers = plan.listed.map((_, index) => tierOf(plan, index, tiers));
  for (const note of notes) after.push(contextBlock(note));
  after.push(contextBlock(footerOf(listedTiers.length > 0 ? listedTiers : [plan.tier], tiers, vocabulary)));

  const fixed = [...before, ...after];
  const packed = packLines(consumerLines(plan, listedTiers, tiers), {
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

/**
 * Why a tier that asks to mention the team pings nobody in this message, for previews: the
 * team's route has no `mention`, or the team has no route and goes to the fallback channel.
 * Null when the message pings as asked, or the tier asks for no team mention.
 */
export function missingMentionOf(plan: TeamPlan): 'no-mention' | 'no-route' | null {
  if (plan.tier.mention !== 'team' || plan.route.kind === 'unrouted') return null;
  if (plan.route.kind === 'fallback') return 'no-route';
  return mentionFor(plan.route.mention) === null ? 'no-mention' : null;
}

function routeNoteOf(plan: TeamPlan, team: string): string | null {
  if (plan.route.kind === 'fallback' && plan.route.because) {
    const { channel, reason } = plan.route.because;
    return (
      `⚠️ Posted here because team *${team}*'s own channel ${channelRef(channel)} could not be reached ` +
      `(${safeMrkdwn(reason, 120, 'no reason given')}). Fix the channel (unarchive it, invite the bot) or \`teams.${team}.channel\`.`
    );
  }
  if (plan.route.kind === 'fallback') {
    return `ℹ️ Routed here because team *${team}* has no channel in chaser's config. Add one under \`teams\` to send these to the team directly.`;
  }
  if (plan.route.kind === 'unrouted') {
    return `⚠️ Not deliverable: team *${team}* has no channel in chaser's config and no \`fallbackChannel\` is set.`;
  }
  return null;
}

/**
 * Who sent it, how often it comes back and how to stop it. The cadence is each listed tier's
 * `every`, most overdue first ("every 12h / 72h"); the tier itself is named in the header.
 */
function footerOf(listedTiers: readonly Tier[], tiers: readonly Tier[], vocabulary: StatusVocabulary): string {
  const severity = (tier: Tier) => tiers.findIndex((t) => t.name === tier.name);
  const mostOverdueFirst = [...listedTiers].sort((a, b) => severity(b) - severity(a));
  const everies = [...new Set(mostOverdueFirst.map((tier) => safeMrkdwn(tier.every, 20, '')))].filter((every) => every !== '');
  let cadence = '';
  if (everies.length === 1) cadence = ` · repeats every ${everies[0]} while pending`;
  if (everies.length > 1) cadence = ` · repeats every ${everies.join(' / ')} while pending, by how overdue each is`;
  const [moved = 'confirmed', ...exempt] = vocabulary.done.map(codeSpan);
  const column = vocabulary.column === DEFAULT_COLUMNS.status ? 'status' : codeSpan(vocabulary.column);
  const otherwise = exempt.length === 0 ? '' : ` (or ${exempt.join(' or ')} if it cannot move)`;
  return (
    `Sent by chaser${cadence} · ` +
    `To stop it: move each consumer to the new key and set its ${column} to ${moved} in the rotation inventory${otherwise}.`
  );
}

/** A config value shown as code: printable, escaped, and with no backtick that could end the span early. */
function codeSpan(value: string): string {
  return `\`${safeMrkdwn(value, STATUS_MAX_CHARS, '(empty)').replace(/`/g, "'")}\``;
}

/** The tier a listed consumer is nudged in (the plan records it per consumer); the team's tier if unknown. */
function tierOf(plan: TeamPlan, index: number, tiers: readonly Tier[]): Tier {
  const name = plan.nudges.tierAt(index);
  return tiers.find((tier) => tier.name === name) ?? plan.tier;
}

/**
 * One line per consumer, each group of one tone headed by what that tone asks; the heading
 * travels with its group's first line, so a full message never ends on a heading alone.
 * Rendered only as the packer asks for them: a capped list never pays for the rest.
 */
function* consumerLines(plan: TeamPlan, listedTiers: readonly Tier[], tiers: readonly Tier[]): Generator<string> {
  const tones = listedTiers.map((tier) => toneOf(tier, tiers));
  for (const [index, consumer] of plan.listed.entries()) {
    const tone = tones[index];
    const line = consumerLine(consumer);
    if (tone === undefined || tone === tones[index - 1]) {
      yield line;
      continue;
    }
    let end = index;
    while (tones[end + 1] === tone) end += 1;
    // A group that runs to the end of the list may go on among the consumers not listed.
    const many = end > index || (end === plan.listed.length - 1 && plan.dueCount > plan.listed.length);
    yield `${many ? TONE_ASKS[tone].many : TONE_ASKS[tone].one}\n${line}`;
  }
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
