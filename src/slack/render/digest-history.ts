import type { KnownBlock } from '@slack/web-api';
import { describeProjection, signed, sparkline } from '../../policy/trend.js';
import type { CampaignLine, DigestHistory, TeamDetail } from '../../run/history.js';
import { sectionBlock } from './blocks.js';
import { TEAM_MAX_CHARS, TIER_NAME_MAX_CHARS, safeMrkdwn } from './escape.js';
import { plural } from './wording.js';

const CAMPAIGNS_SHOWN = 5;
const KEY_MAX_CHARS = 80;
const NAME_MAX_CHARS = 60;

/**
 * The digest's history section, as text (it must read the same in every client and in the
 * notification): one burn-down line per campaign, then the worst teams' consumers with how often
 * and since when they were chased, and what changed since the last digest. Bounded: at most
 * CAMPAIGNS_SHOWN campaigns and the teams/consumers readDigestHistory picked (3 × 5).
 */
export function historyBlocks(history: DigestHistory, now: Date): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (history.campaigns.length > 0) {
    const shown = history.campaigns.slice(0, CAMPAIGNS_SHOWN);
    const more = history.campaigns.length - shown.length;
    blocks.push(
      sectionBlock(
        `*Burn-down*${history.since ? ` (change since the last digest, ${shortDate(history.since)})` : ''}\n${shown.map(campaignLine).join('\n')}${more > 0 ? `\n…and ${plural(more, 'more campaign')}` : ''}`,
      ),
    );
  }
  for (const team of history.teams) blocks.push(sectionBlock(teamText(team, history.since, now)));
  return blocks;
}

/** "`kms/x` ▇▆▅▃▂ 12 outstanding (−3) · 71 % done · 1 claimed done, 2 disputed · projected done 2026-04-02 · slowest: payments 19 d" */
export function campaignLine(c: CampaignLine): string {
  const parts = [
    `${c.outstanding} outstanding${c.change === null ? '' : ` (${signed(c.change)})`}`,
    `${Math.floor(c.done * 100)} % of ${c.inScope} done`,
  ];
  // What the answers hold back: the same numbers as the snapshot (the policy's own counts).
  const answered = [...(c.claimed > 0 ? [`${c.claimed} claimed done`] : []), ...(c.disputed > 0 ? [`${c.disputed} disputed`] : [])];
  if (answered.length > 0) parts.push(answered.join(', '));
  parts.push(describeProjection(c.projection));
  if (c.slowest.length > 0) {
    parts.push(`slowest: ${c.slowest.map((t) => `${safeMrkdwn(t.team, TEAM_MAX_CHARS, '(no team)')} ${t.maxDaysOverdue} d`).join(', ')}`);
  }
  const trend = c.trend.length > 1 ? `${sparkline(c.trend)} ` : '';
  return `• \`${safeMrkdwn(c.keyId, KEY_MAX_CHARS, '(no key)').replace(/`/g, "'")}\` ${trend}${parts.join(' · ')}`;
}

function teamText(team: TeamDetail, since: Date | null, _now: Date): string {
  const name = safeMrkdwn(team.team, TEAM_MAX_CHARS, '(no team)');
  const tier = safeMrkdwn(team.tier, TIER_NAME_MAX_CHARS, '(unnamed tier)');
  const lines = team.consumers.map((c) => {
    const label = safeMrkdwn(c.name ?? c.id, NAME_MAX_CHARS, '(unnamed)');
    const chased = c.nudgeCount > 0 && c.firstNudgedAt ? `chased ${c.nudgeCount}× since ${shortDate(c.firstNudgedAt)}` : 'not chased yet';
    return `• ${label} — ${c.daysOverdue} d overdue, ${chased}`;
  });
  if (team.more > 0) lines.push(`• …and ${plural(team.more, 'more consumer')}`);
  const changes = since
    ? `Since the last digest: ${team.confirmed} confirmed, ${team.exempted} exempted, ${team.newlyOverdue} newly overdue.`
    : '';
  return `*${name}* (${tier})\n${lines.join('\n')}${changes ? `\n${changes}` : ''}`;
}

/** For the notification text: the first campaign's line, plain. */
export function historyFallback(history: DigestHistory): string {
  const first = history.campaigns[0];
  if (!first) return '';
  return ` ${safeMrkdwn(first.keyId, KEY_MAX_CHARS, '(no key)')}: ${first.outstanding} outstanding${first.change === null ? '' : ` (${signed(first.change)} since the last digest)`}, ${describeProjection(first.projection)}.`;
}

function shortDate(date: Date): string {
  return date.toISOString().slice(5, 10);
}
