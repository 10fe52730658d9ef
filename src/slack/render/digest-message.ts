import type { KnownBlock } from '@slack/web-api';
import { describeFilters, describeUnknownStatuses } from '../../policy/statuses.js';
import type { TeamAnswerFacts } from '../../policy/answers/effects.js';
import type { AnsweredConsumer, Plan, Skipped, TeamSummary } from '../../policy/types.js';
import { contextBlock, headerBlock, sectionBlock } from './blocks.js';
import { TEAM_MAX_CHARS, TIER_NAME_MAX_CHARS, channelRef, safeMrkdwn } from './escape.js';
import { MAX_BLOCKS, MAX_FALLBACK_TEXT, MAX_TOTAL_BLOCK_TEXT, blockTextLength, packLines, truncateMrkdwn } from './limits.js';
import type { Delivery, EscalationOutcome, RunMode } from '../../run/types.js';
import type { SlackMessage } from './types.js';
import { formatDate, formatMinuteUtc, overduePhrase, plural } from './wording.js';
import type { DigestHistory } from '../../run/history.js';
import { historyBlocks, historyFallback } from './digest-history.js';

export interface DigestInput {
  plan: Plan;
  /** This run's delivery per team key (empty for `digest` and `dry-run`). */
  deliveries: ReadonlyMap<string, Delivery>;
  mode: RunMode;
  now: Date;
  /** "Did the team answer?" per team with a living thread (threads: "reply"). */
  answers?: ReadonlyMap<string, TeamAnswerFacts> | undefined;
  /** Teams with a living thread: a team without an answer fact is silent. */
  threaded?: ReadonlySet<string> | undefined;
  /** The campaigns' history (sweep and digest): burn-down lines and the worst teams' consumers. */
  history?: DigestHistory;
  /** Nudges the budget held back and escalations past silent teams, this run. */
  pacing?: DigestPacing | undefined;
}

export interface DigestPacing {
  held: ReadonlyArray<{ team: string; consumers: number }>;
  escalations: ReadonlyArray<Pick<EscalationOutcome, 'team' | 'step' | 'target' | 'ignored' | 'since' | 'delivered' | 'held'>>;
}

// Room kept for the "…and N more teams" context while the team list is packed.
const MORE_LINE_RESERVE = 120;
// A failure reason is a classified Slack error, but it is still shown whole only up to here.
const REASON_MAX_CHARS = 200;
const SKIPPED_IDS_SHOWN = 3;
const FILTERS_MAX_CHARS = 200;
const STATUSES_MAX_CHARS = 600;
const SKIPPED_ID_MAX_CHARS = 40;

const SKIP_REASONS: ReadonlyArray<{ reason: Skipped['reason']; label: string }> = [
  { reason: 'missing-id', label: 'no id' },
  { reason: 'missing-team', label: 'no owner team' },
  { reason: 'missing-deadline', label: 'no rotation deadline' },
  { reason: 'invalid-snooze', label: 'an unreadable snoozed_until' },
  { reason: 'duplicate-id', label: 'a duplicate id' },
];

/**
 * The security lead's view of the whole campaign: how much is outstanding per tier, every team
 * with anything outstanding (teams that need the lead's attention first: unrouted or failed,
 * then the most severe), what this run did for each, and the rows chaser could not chase.
 * Always within Slack's limits: teams that do not fit are counted, and the headline counts
 * (unrouted and failed included) are always shown.
 */
export function renderDigest(input: DigestInput): SlackMessage {
  const { plan, deliveries, mode, now } = input;
  const rows = orderTeams(plan, deliveries, mode);
  const unrouted = rows.filter((row) => row.summary.route.kind === 'unrouted').length;
  const failed = rows.filter((row) => row.outcome.kind === 'failed').length;
  const notSent = rows.filter((row) => row.outcome.kind === 'not-sent').length;
  const byTier = tiersMostSevereFirst(plan)
    .map((name) => `${safeMrkdwn(name, TIER_NAME_MAX_CHARS, '(unnamed tier)')} *${plan.byTier[name] ?? 0}*`)
    .join(' · ');

  const title = mode === 'dry-run' ? '🔑 Key rotation digest (dry run)' : '🔑 Key rotation digest';
  // A filtered run counts only part of the campaign: the lead must not read it as the whole.
  const filtered = describeFilters(plan.filters);
  const scope = filtered === '' ? '' : ` (filtered: ${safeMrkdwn(filtered, FILTERS_MAX_CHARS, '')})`;
  const headline =
    plan.outstanding === 0
      ? plan.unknownStatuses.overdue > 0
        ? `⚠️ Nothing pending is outstanding${scope}, but some rows have a status chaser does not know (below): they are not counted as done.`
        : `✅ Nothing outstanding${scope}: every consumer is rotated, exempt, or not yet due.`
      : `*${plural(plan.outstanding, 'consumer')}* outstanding across *${plural(plan.summaries.length, 'team')}*${scope}` +
        (byTier === '' ? '' : `\n${byTier}`);

  const before: KnownBlock[] = [
    headerBlock(title),
    sectionBlock(headline),
    ...(input.history ? historyBlocks(input.history, now) : []),
    contextBlock(runLine(rows, mode, { unrouted, failed, notSent })),
  ];
  const after: KnownBlock[] = [];
  const pacing = pacingText(input.pacing, mode);
  if (pacing) after.push(sectionBlock(pacing));
  const skipped = skippedText(plan.skipped);
  if (skipped) after.push(sectionBlock(skipped));
  const unknown = unknownStatusText(plan);
  if (unknown) after.push(sectionBlock(unknown));
  const evidence = evidenceText(plan);
  if (evidence) after.push(sectionBlock(evidence));
  after.push(contextBlock(`chaser · as of ${formatMinuteUtc(now)} · \`${mode}\``));

  const fixed = [...before, ...after];
  const packed = packLines(teamLines(rows, answerNotesOf(input)), {
    chars: MAX_TOTAL_BLOCK_TEXT - blockTextLength(fixed) - MORE_LINE_RESERVE,
    blocks: MAX_BLOCKS - fixed.length - 1,
  });
  const more = rows.length - packed.taken;

  const blocks: KnownBlock[] = [...before, ...packed.sections.map(sectionBlock)];
  if (more > 0) blocks.push(contextBlock(`…and ${more} more ${more === 1 ? 'team' : 'teams'} (most overdue listed first)`));
  blocks.push(...after);

  const problems = [
    unrouted > 0 ? `${unrouted} unrouted` : '',
    failed > 0 ? `${failed} failed` : '',
    notSent > 0 ? `${notSent} not sent` : '',
  ]
    .filter((part) => part !== '')
    .join(', ');
  const text = truncateMrkdwn(
    `Key rotation digest: ${plural(plan.outstanding, 'consumer')} outstanding across ${plural(plan.summaries.length, 'team')}${scope}` +
      (byTier === '' || plan.outstanding === 0 ? '' : ` (${byTier.replace(/\*/g, '')})`) +
      (problems === '' ? '' : `; ${problems}`) +
      '.' +
      (input.history ? historyFallback(input.history) : ''),
    MAX_FALLBACK_TEXT,
  );
  return { text, blocks };
}

/**
 * Per team, what its thread said, for the lead: answered or silent since the last nudge, claims
 * the inventory does not confirm, snoozes longer than allowed (the lead's to approve), routing
 * disputes, ETAs.
 */
function answerNotesOf(input: DigestInput): Map<string, string> {
  const notes = new Map<string, string>();
  const teams = new Set([...(input.threaded ?? []), ...input.plan.answered.keys()]);
  for (const team of teams) {
    const facts = input.answers?.get(team);
    const answered = input.plan.answered.get(team) ?? [];
    const parts: string[] = [];
    if (input.threaded?.has(team))
      parts.push(facts?.answeredSinceLastNudge ? '💬 answered since the last nudge' : '🔇 silent since the last nudge');
    const named = (list: readonly AnsweredConsumer[]) =>
      list
        .slice(0, 3)
        .map((c) => safeMrkdwn(c.name, 60, safeMrkdwn(c.id, 60, '?')))
        .join(', ') + (list.length > 3 ? ` +${list.length - 3}` : '');
    const unverified = answered.filter((c) => c.answers.claim?.state === 'unverified');
    const contradicted = answered.filter((c) => c.answers.claim?.state === 'contradicted');
    const claimed = answered.filter((c) => c.answers.claim?.state === 'claimed');
    const over = answered.filter((c) => c.answers.snooze?.overLimit);
    const disputed = answered.filter((c) => c.answers.dispute);
    const eta = answered.filter((c) => c.answers.eta);
    const quiet = answered.filter((c) => c.answers.looksDone);
    if (claimed.length > 0) parts.push(`claimed done (checking): ${named(claimed)}`);
    if (unverified.length > 0) parts.push(`⚠️ claimed, still pending: ${named(unverified)}`);
    if (contradicted.length > 0) parts.push(`⚠️ claimed, still seen on the old key: ${named(contradicted)}`);
    if (over.length > 0) {
      parts.push(
        `⏳ snooze over the limit, needs your approval: ${named(over)} (asked ${over
          .map((c) => safeMrkdwn(c.answers.snooze?.requested ?? '', 10, '?'))
          .slice(0, 3)
          .join(', ')})`,
      );
    }
    if (disputed.length > 0) {
      const suggested = disputed.map((c) => c.answers.dispute?.suggestedTeam).filter((t): t is string => t !== undefined);
      parts.push(
        `🙅 routing dispute: ${named(disputed)}${suggested.length > 0 ? ` (suggested @${safeMrkdwn(suggested[0], 40, '?')})` : ''}`,
      );
    }
    if (eta.length > 0)
      parts.push(
        `eta ${eta
          .map((c) => c.answers.eta?.eta.toISOString().slice(0, 10))
          .slice(0, 3)
          .join(', ')}`,
      );
    if (quiet.length > 0) parts.push(`💡 looks done, to confirm in the inventory: ${named(quiet)}`);
    if (parts.length > 0) notes.set(team, parts.join(' · '));
  }
  return notes;
}

type Outcome =
  | { kind: 'delivered'; channel: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'unrouted' }
  | { kind: 'nothing-due' }
  | { kind: 'not-nudged' }
  | { kind: 'not-sent' }
  | { kind: 'would-send'; channel: string }
  | { kind: 'held'; opensAt: Date }
  | { kind: 'scheduled'; channel: string; postAt: Date };

interface Row {
  summary: TeamSummary;
  outcome: Outcome;
  needsAttention: boolean;
}

function outcomeOf(summary: TeamSummary, delivery: Delivery | undefined, mode: RunMode): Outcome {
  // A team nobody can be told about is the lead's problem in every mode, so it always says so.
  if (summary.route.kind === 'unrouted') return { kind: 'unrouted' };
  if (mode === 'digest') return { kind: 'not-nudged' };
  if (summary.due === 0) return { kind: 'nothing-due' };
  if (mode === 'dry-run') return { kind: 'would-send', channel: summary.route.channel };
  if (!delivery) return { kind: 'not-sent' };
  return delivery.ok ? { kind: 'delivered', channel: delivery.channel } : { kind: 'failed', reason: delivery.reason };
}

/** Teams needing the lead (unrouted, failed) first, then the most severe tier, most days overdue, most outstanding. */
function orderTeams(plan: Plan, deliveries: ReadonlyMap<string, Delivery>, mode: RunMode): Row[] {
  const severity = new Map(plan.tiers.map((tier, index) => [tier.name, index]));
  const held = new Map(plan.teams.flatMap((team) => (team.sending.mode === 'hold' ? [[team.team, team.sending.opensAt] as const] : [])));
  const scheduled = new Map(
    plan.teams.flatMap((team) => (team.sending.mode === 'schedule' ? [[team.team, team.sending.postAt] as const] : [])),
  );
  const rows = plan.summaries.map((summary): Row => {
    // Held by the team's window (outsideHours "wait"): not the lead's concern, a later run sends it.
    const opensAt = mode === 'digest' || deliveries.has(summary.team) ? undefined : held.get(summary.team);
    const delivery = deliveries.get(summary.team);
    const postAt = delivery?.ok ? scheduled.get(summary.team) : undefined;
    const outcome: Outcome = opensAt
      ? { kind: 'held', opensAt }
      : postAt && delivery?.ok
        ? { kind: 'scheduled', channel: delivery.channel, postAt }
        : outcomeOf(summary, delivery, mode);
    // A due team this sweep did not reach (it stopped early) is as much the lead's concern as a failure.
    const needsAttention = outcome.kind === 'unrouted' || outcome.kind === 'failed' || outcome.kind === 'not-sent';
    return { summary, outcome, needsAttention };
  });
  return rows.sort(
    (a, b) =>
      Number(b.needsAttention) - Number(a.needsAttention) ||
      (severity.get(b.summary.worstTier.name) ?? -1) - (severity.get(a.summary.worstTier.name) ?? -1) ||
      b.summary.maxDaysOverdue - a.summary.maxDaysOverdue ||
      b.summary.outstanding - a.summary.outstanding ||
      (a.summary.team < b.summary.team ? -1 : a.summary.team > b.summary.team ? 1 : 0),
  );
}

function tiersMostSevereFirst(plan: Plan): string[] {
  const names = plan.tiers.map((tier) => tier.name).reverse();
  for (const name of Object.keys(plan.byTier)) if (!names.includes(name)) names.push(name);
  return names;
}

interface Problems {
  unrouted: number;
  failed: number;
  notSent: number;
}

function runLine(rows: readonly Row[], mode: RunMode, { unrouted, failed, notSent }: Problems): string {
  const problems = [
    unrouted > 0 ? `⚠️ *${unrouted}* unrouted (no channel and no \`fallbackChannel\`)` : '',
    failed > 0 ? `❌ *${failed}* failed` : '',
    notSent > 0 ? `⏸️ *${notSent}* due but not sent (the sweep stopped early)` : '',
  ].filter((part) => part !== '');
  let run: string;
  if (mode === 'digest') run = 'Digest only: this run sent no nudges.';
  else if (mode === 'dry-run') run = 'Dry run: nothing was sent; each team shows what a sweep would do.';
  else {
    const delivered = rows.filter((row) => row.outcome.kind === 'delivered' || row.outcome.kind === 'scheduled').length;
    run = `This sweep nudged *${plural(delivered, 'team')}*.`;
  }
  return [run, ...problems].join(' · ');
}

/**
 * One line per team, rendered only as the packer asks for them. When some teams need attention
 * the two groups get a heading each, carried on the group's first line so that a heading is
 * never shown without a team under it and every packed line is exactly one team.
 */
function* teamLines(rows: readonly Row[], answers: ReadonlyMap<string, string>): Generator<string> {
  const grouped = rows.some((row) => row.needsAttention);
  let previous: Row | undefined;
  for (const row of rows) {
    let heading = '';
    if (grouped && previous === undefined) heading = '*Needs attention*\n';
    else if (grouped && previous?.needsAttention && !row.needsAttention) heading = '*All other teams*\n';
    const note = answers.get(row.summary.team);
    yield heading + teamLine(row, note !== undefined) + (note ? `\n    ${note}` : '');
    previous = row;
  }
}

/** `threaded`: the team has a thread, so its held consumers may be chaser's holds too (as its parent says). */
function teamLine({ summary, outcome }: Row, threaded: boolean): string {
  const team = safeMrkdwn(summary.team, TEAM_MAX_CHARS, '(no team)');
  const tier = safeMrkdwn(summary.worstTier.name, TIER_NAME_MAX_CHARS, '(unnamed tier)');
  const parts = [
    `${summary.outstanding} outstanding`,
    `worst *${tier}*`,
    overduePhrase(summary.maxDaysOverdue),
    summary.waiting > 0 ? `${summary.waiting} waiting` : '',
    summary.snoozed > 0 ? `${summary.snoozed} ${threaded ? 'snoozed, claimed or disputed' : 'snoozed'}` : '',
  ].filter((part) => part !== '');
  return `• *${team}* — ${parts.join(' · ')} → ${outcomeText(summary, outcome)}`;
}

function outcomeText(summary: TeamSummary, outcome: Outcome): string {
  const viaFallback = summary.route.kind === 'fallback' ? ' (fallback: team has no channel)' : '';
  switch (outcome.kind) {
    case 'delivered':
      return `✅ delivered to ${channelRef(outcome.channel)}${viaFallback}`;
    case 'failed':
      return `❌ *failed*: ${safeMrkdwn(outcome.reason, REASON_MAX_CHARS, 'no reason given')}`;
    case 'unrouted':
      // The why is said once, in the run line: thousands of unrouted teams must not each repeat it.
      return '⚠️ *unrouted*';
    case 'nothing-due':
      return 'nothing due (waiting for cadence or snoozed)';
    case 'not-nudged':
      return 'not nudged by this run';
    case 'not-sent':
      return 'not sent by this run';
    case 'would-send':
      return `would nudge ${channelRef(outcome.channel)}${viaFallback}`;
    case 'scheduled':
      return `🕘 scheduled for ${formatMinuteUtc(outcome.postAt)} in ${channelRef(outcome.channel)}${viaFallback}`;
    case 'held':
      return `⏰ held: outside working hours, window opens ${formatMinuteUtc(outcome.opensAt)}`;
  }
}

/** Rows chaser does not know are done: the lead sees them, with the fix, as long as they exist. */
function unknownStatusText(plan: Plan): string | null {
  const unknown = plan.unknownStatuses;
  if (unknown.rows === 0) return null;
  const gate = unknown.overdue > 0 ? `; ${plural(unknown.overdue, 'row')} past the deadline keep the gate failing` : '';
  return (
    `*Statuses chaser does not know* (${plural(unknown.rows, 'row')}, not treated as done${gate}):\n` +
    `${safeMrkdwn(describeUnknownStatuses(unknown), STATUSES_MAX_CHARS, '')}\n` +
    "Add each to `source.pendingStatuses` or `source.doneStatuses` in chaser's config."
  );
}

/**
 * What the inventory's lastSeenOnOldKey says over the outstanding consumers (only when mapped and
 * it says anything): use of a revoked key after its deadline is the lead's first concern.
 */
function evidenceText(plan: Plan): string | null {
  const evidence = plan.evidence;
  if (!evidence) return null;
  const lines: string[] = [];
  if (evidence.seenAfterDeadline > 0)
    lines.push(`• 🔑 ${plural(evidence.seenAfterDeadline, 'consumer')} seen on a revoked key after its deadline`);
  if (evidence.contradicted > 0)
    lines.push(`• ⚠️ ${plural(evidence.contradicted, 'claim')} contradicted: still seen on the old key, re-escalated`);
  if (evidence.looksDone > 0)
    lines.push(`• 💡 ${plural(evidence.looksDone, 'consumer')} not seen on the old key lately: look done, to confirm in the inventory`);
  if (evidence.unreadable > 0) lines.push(`• ${plural(evidence.unreadable, 'row')} with an unreadable last-seen time (treated as unknown)`);
  return lines.length === 0 ? null : `*Evidence from the old key's use:*\n${lines.join('\n')}`;
}

function skippedText(skipped: readonly Skipped[]): string | null {
  if (skipped.length === 0) return null;
  const lines = SKIP_REASONS.flatMap(({ reason, label }) => {
    const rows = skipped.filter((row) => row.reason === reason);
    if (rows.length === 0) return [];
    const ids = rows
      .slice(0, SKIPPED_IDS_SHOWN)
      .map((row) => `\`${safeMrkdwn(row.id, SKIPPED_ID_MAX_CHARS, '(empty id)')}\``)
      .join(', ');
    const rest = rows.length > SKIPPED_IDS_SHOWN ? `, … ${rows.length - SKIPPED_IDS_SHOWN} more` : '';
    return [`• ${plural(rows.length, 'row')} with ${label}: ${ids}${rest}`];
  });
  return `*Skipped rows* (not chased until fixed in the inventory):\n${lines.join('\n')}`;
}

const PACING_TEAMS_SHOWN = 10;

/**
 * "1 nudge held back by payments' budget" per team, and each escalation: the lead sees what the
 * budget kept back (never silently) and who was escalated to.
 */
function pacingText(pacing: DigestPacing | undefined, mode: RunMode): string | null {
  if (!pacing || (pacing.held.length === 0 && pacing.escalations.length === 0)) return null;
  const lines: string[] = [];
  const heldByTeam = new Map<string, number>();
  for (const h of pacing.held) heldByTeam.set(h.team, (heldByTeam.get(h.team) ?? 0) + 1);
  for (const [team, count] of [...heldByTeam].slice(0, PACING_TEAMS_SHOWN)) {
    const owner = safeMrkdwn(team, TEAM_MAX_CHARS, '(no team)');
    lines.push(`🧮 ${plural(count, 'nudge')} held back by ${owner}${owner.endsWith('s') ? "'" : "'s"} budget`);
  }
  if (heldByTeam.size > PACING_TEAMS_SHOWN) lines.push(`…and ${heldByTeam.size - PACING_TEAMS_SHOWN} more teams over their budget`);
  const verb = mode === 'sweep' ? 'escalated' : 'to escalate';
  for (const e of pacing.escalations.slice(0, PACING_TEAMS_SHOWN)) {
    const done = e.held
      ? ` (held: outside working hours, window opens ${formatMinuteUtc(e.held.until)})`
      : mode !== 'sweep' || e.delivered
        ? ''
        : ' (not sent)';
    lines.push(
      `📣 ${safeMrkdwn(e.team, TEAM_MAX_CHARS, '(no team)')} ${e.held ? 'to escalate' : verb} (step ${e.step}, to ${safeMrkdwn(e.target, 60, '?')}): ${plural(e.ignored, 'nudge')} unanswered since ${formatDate(e.since)}${done}`,
    );
  }
  if (pacing.escalations.length > PACING_TEAMS_SHOWN) lines.push(`…and ${pacing.escalations.length - PACING_TEAMS_SHOWN} more escalations`);
  return lines.join('\n');
}
