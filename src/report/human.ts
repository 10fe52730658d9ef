import kleur from 'kleur';
import { ExitCode } from '../exit-codes.js';
import type { RunResult } from '../run/types.js';
import type { Plan, TeamPlan, TeamSummary } from '../policy/types.js';
import { renderDigest } from '../slack/render/digest-message.js';
import { DEFAULT_VOCABULARY, missingMentionOf, renderTeamMessage, type StatusVocabulary } from '../slack/render/team-message.js';
import { sanitizeText } from '../slack/render/escape.js';
import { answerNotes } from '../slack/render/thread-messages.js';
import { formatDate, formatMinuteUtc } from '../slack/render/wording.js';
import { describeFilters, describeUnknownStatuses } from '../policy/statuses.js';
import { renderMessageForTerminal } from './terminal-message.js';

const WIDTH = 80;

/** What the exit code asks of the operator, in one line. */
const EXIT_MEANING: Partial<Record<ExitCode, string>> = {
  [ExitCode.ok]: 'nothing outstanding at or above the --fail-on threshold',
  [ExitCode.outstanding]: 'consumers remain outstanding',
  [ExitCode.unavailable]: 'a dependency is unavailable',
  [ExitCode.locked]: 'another sweep holds the lock',
};

export function renderRunSummary(result: RunResult): string {
  const lines = [heading(result), ...tierSummary(result.plan)];
  if (result.command !== 'dry-run') lines.push(...deliverySummary(result));
  lines.push(...pacingLines(result));
  lines.push(...result.problems.map((p) => kleur.red(`  ✗ ${p}`)));
  lines.push(exitLine(result));
  return `${lines.join('\n')}\n`;
}

/**
 * dry-run: the summary, each message as it would read in Slack, what would be recorded, the digest.
 * Written team by team, so ten thousand previews never sit in memory as one string.
 */
export function writeDryRun(
  result: RunResult,
  mentionLabels: Record<string, string>,
  write: (text: string) => void,
  vocabulary: StatusVocabulary = DEFAULT_VOCABULARY,
): void {
  const { plan } = result;
  write(`${[heading(result), ...tierSummary(plan), ''].join('\n')}\n`);
  if (plan.teams.length === 0) write(`${kleur.dim('No team is due a nudge in this run.')}\n\n`);
  const held = new Map((result.held ?? []).map((h) => [h.team, h]));
  for (const team of plan.teams) {
    const out = [teamHeading(team)];
    const hold = held.get(team.team);
    if (hold) {
      out.push(kleur.yellow(`  held back by the budget (${hold.why}); counted in the digest`));
    } else if (team.route.kind === 'unrouted') {
      out.push(kleur.yellow('  not sent: no channel for this team and no fallbackChannel; listed in the digest as unrouted'));
    } else {
      const missingMention = missingMentionOf(team);
      if (missingMention) {
        const why = missingMention === 'no-mention' ? `teams.${team.team} has no "mention"` : `${team.team} is not in "teams"`;
        out.push(kleur.yellow(`  ! pings no one: tier ${team.tier.name} mentions the team; ${why}`));
      }
      // What answers and evidence say about its consumers, as the thread (or the top-level message) would show it.
      const message = renderTeamMessage(team, plan.now, plan.tiers, vocabulary, answerNotes(plan.answered.get(team.team) ?? [], plan.now));
      out.push(indent(renderMessageForTerminal(message, { width: WIDTH - 4, mentionLabels })));
      out.push(kleur.dim(`  would record: ${team.nudges.count} nudge(s) in chaser_nudge_state and chaser_nudge_log`));
    }
    write(`${out.join('\n')}\n\n`);
  }
  const out: string[] = [];
  const quiet = plan.summaries.filter((s) => s.due === 0);
  if (quiet.length > 0) {
    out.push(kleur.bold('Outstanding, not due a nudge in this run'));
    for (const s of quiet.slice(0, 20)) out.push(`  ${s.team}: ${waitingLine(s)}`);
    if (quiet.length > 20) out.push(kleur.dim(`  … and ${quiet.length - 20} more teams`));
    out.push('');
  }
  if (result.threads) out.push(...harvestLines(result), '');
  const pacing = pacingLines(result);
  if (pacing.length > 0) out.push(kleur.bold('Budget and escalations'), ...pacing, '');
  out.push(kleur.bold('Digest for the security lead (not sent)'));
  const digest = renderDigest({
    plan,
    deliveries: result.deliveries,
    mode: 'dry-run',
    now: plan.now,
    pacing: { held: result.held ?? [], escalations: result.escalations ?? [] },
  });
  out.push(indent(renderMessageForTerminal(digest, { width: WIDTH - 4, mentionLabels })));
  const wouldRecord = plan.teams.filter((team) => team.route.kind !== 'unrouted').reduce((n, team) => n + team.nudges.count, 0);
  out.push(
    '',
    kleur.dim('dry-run: nothing was posted and nothing was written.'),
    kleur.dim(`a sweep now would record ${wouldRecord} nudge(s), of the ${plan.outstanding} outstanding.`),
    exitLine(result),
  );
  write(`${out.join('\n')}\n`);
}

/** What dry-run's harvest read (read-only) and a sweep would record, or why it did not read. */
function harvestLines(result: RunResult): string[] {
  const threads = result.threads;
  if (!threads) return [];
  const lines = [kleur.bold('Answers in the team threads')];
  if (threads.skipped) return [...lines, kleur.dim(`  harvest skipped: ${sanitizeText(threads.skipped, 300)}`)];
  const read = [...threads.read].filter(([, events]) => events.length > 0);
  if (read.length === 0) lines.push(kleur.dim(`  ${threads.open.size} open thread(s) read; nothing new to record`));
  for (const [team, events] of read.slice(0, 20)) {
    const kinds = events.map((e) => `${e.kind}${e.consumerId ? ` ${sanitizeText(e.consumerId, 40)}` : ''} by ${sanitizeText(e.actor, 20)}`);
    lines.push(
      `  ${sanitizeText(team, 80)}: would record ${kinds.slice(0, 5).join(', ')}${kinds.length > 5 ? `, … (${kinds.length})` : ''}`,
    );
  }
  for (const [team, why] of threads.incomplete)
    lines.push(kleur.yellow(`  ${sanitizeText(team, 80)}: not read whole (${sanitizeText(why, 200)})`));
  return lines;
}

function heading(result: RunResult): string {
  return kleur.bold(`chaser ${result.command} · as of ${formatMinuteUtc(result.now)}`);
}

function tierSummary(plan: Plan): string[] {
  const filtered = describeFilters(plan.filters);
  const scope = filtered === '' ? '' : ` (filtered: ${filtered})`;
  const unknown = plan.unknownStatuses.rows > 0 ? [kleur.yellow(`  ${unknownStatusLine(plan)}`)] : [];
  if (plan.outstanding === 0) return [kleur.green(`  nothing outstanding${scope}`), ...unknown];
  const rows = [...plan.tiers].reverse().map((tier) => {
    const teams = plan.summaries.filter((s) => (s.byTier[tier.name] ?? 0) > 0);
    const oldest = plan.oldestDeadlineByTier[tier.name];
    return [tier.name, String(plan.byTier[tier.name] ?? 0), String(teams.length), oldest ? formatDate(oldest) : '—'];
  });
  const table = [['tier', 'consumers', 'teams', 'oldest deadline'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ')}`;
  const snoozed = plan.summaries.reduce((n, s) => n + s.snoozed, 0);
  return [
    kleur.dim(fmt(table[0]!)),
    ...rows.map(fmt),
    `  ${plan.outstanding} outstanding across ${plan.summaries.length} team(s)${snoozed ? `, ${snoozed} snoozed` : ''}; ${plan.teams.length} team(s) due a nudge${scope}`,
    ...notDueLines(plan),
    ...(plan.skipped.length ? [kleur.yellow(`  ${plan.skipped.length} row(s) skipped (see warnings)`)] : []),
    ...unknown,
  ];
}

/**
 * Why fewer consumers are nudged than are outstanding, in the run's own terms: "15 outstanding"
 * and "13 nudged" differ by the snoozed and the waiting ones, so both words are explained here.
 */
function notDueLines(plan: Plan): string[] {
  const count = (key: 'due' | 'waiting' | 'snoozed') => plan.summaries.reduce((n, s) => n + s[key], 0);
  const [due, waiting, snoozed] = [count('due'), count('waiting'), count('snoozed')];
  if (waiting === 0 && snoozed === 0) return [];
  const terms = [
    snoozed > 0 ? 'snoozed: not nudged until its snooze ends' : '',
    waiting > 0 ? "waiting: nudged recently; not due again until its tier's cadence allows" : '',
  ].filter((term) => term !== '');
  const parts = [`${due} due a nudge now`, snoozed > 0 ? `${snoozed} snoozed` : '', waiting > 0 ? `${waiting} waiting` : ''];
  return [`  of these, ${parts.filter((part) => part !== '').join(', ')}`, ...terms.map((term) => kleur.dim(`    ${term}`))];
}

function unknownStatusLine(plan: Plan): string {
  const unknown = plan.unknownStatuses;
  const gate = unknown.overdue > 0 ? `, ${unknown.overdue} past their deadline (they keep the gate failing)` : '';
  return `${unknown.rows} row(s) with a status in neither pendingStatuses nor doneStatuses, not treated as done${gate}: ${describeUnknownStatuses(unknown, 3)}`;
}

function deliverySummary(result: RunResult): string[] {
  const lines: string[] = [];
  if (result.command === 'sweep') {
    const sent = result.plan.teams.filter((t) => result.deliveries.get(t.team)?.ok);
    const consumers = sent.reduce((n, t) => n + t.nudges.count, 0);
    const names = firstFew(sent.map((t) => t.team));
    lines.push(`  nudged ${sent.length} team(s), ${consumers} consumer(s)${names ? `: ${names}` : ''}`);
    const failed = result.plan.teams.flatMap((t) => {
      const d = result.deliveries.get(t.team);
      return d && !d.ok ? [`${t.team} (${d.reason})`] : [];
    });
    if (failed.length > 0) lines.push(kleur.yellow(`  not delivered to ${failed.length} team(s): ${firstFew(failed)}`));
    for (const team of result.plan.teams) {
      if (!result.deliveries.get(team.team) && team.sending.mode === 'hold') {
        lines.push(`  held: ${team.team} (outside working hours; window opens ${formatMinuteUtc(team.sending.opensAt)})`);
      }
    }
  }
  const digest = result.digest;
  lines.push(
    digest.delivered ? `  digest sent to ${digest.channel}` : kleur.dim(`  digest not sent${digest.error ? `: ${digest.error}` : ''}`),
  );
  return lines;
}

/** Nudges the budget held back, and escalations sent (sweep) or that a sweep would send. */
function pacingLines(result: RunResult): string[] {
  const lines: string[] = [];
  for (const h of result.held ?? []) lines.push(kleur.yellow(`  held back: ${h.team}'s nudge (${h.consumers} consumer(s)) — ${h.why}`));
  for (const e of result.escalations ?? []) {
    const what = `${e.team} → ${e.target} (step ${e.step}): ${e.ignored} nudge(s) unanswered since ${formatDate(e.since)}`;
    if (e.delivered) lines.push(`  escalated ${what}${e.postAt ? ` (scheduled for ${formatMinuteUtc(e.postAt)})` : ''}`);
    else if (e.held)
      lines.push(kleur.dim(`  escalation held: ${what} (outside working hours; window opens ${formatMinuteUtc(e.held.until)})`));
    else
      lines.push(
        (result.command === 'sweep' ? kleur.yellow : kleur.dim)(
          `  ${result.command === 'sweep' ? 'escalation not sent' : 'would escalate'}: ${what}${result.command === 'sweep' && e.error ? ` (${e.error})` : ''}`,
        ),
      );
  }
  return lines;
}

function teamHeading(team: TeamPlan): string {
  const where =
    team.route.kind === 'unrouted' ? 'unrouted' : `→ ${team.route.channel}${team.route.kind === 'fallback' ? ' (fallback)' : ''}`;
  const held = team.sending.mode === 'hold' ? ` · held: outside working hours until ${formatMinuteUtc(team.sending.opensAt)}` : '';
  return `${kleur.bold().cyan(`▌ ${team.team}`)} ${kleur.dim(`${where} · ${team.tier.name} · ${team.dueCount} due${held}`)}`;
}

function waitingLine(s: TeamSummary): string {
  const parts = [`${s.outstanding} outstanding (worst: ${s.worstTier.name}, ${s.maxDaysOverdue} days)`];
  if (s.waiting) parts.push(`${s.waiting} waiting for cadence`);
  if (s.snoozed) parts.push(`${s.snoozed} snoozed`);
  return parts.join(', ');
}

function exitLine(result: RunResult): string {
  const code = result.exitCode;
  // A signal's code has no fixed meaning: the run's own sentence says what was and was not done.
  const meaning =
    code === ExitCode.terminated || code === ExitCode.interrupted
      ? result.problems[0]
      : code === ExitCode.deliveryFailed
        ? deliveryFailedMeaning(result)
        : EXIT_MEANING[code];
  return kleur.dim(`exit ${code}${meaning ? `: ${meaning}` : ''}`);
}

function indent(text: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Exit 4 says which deliveries failed and what happens to them: only what will really happen. */
function deliveryFailedMeaning(result: RunResult): string {
  const parts: string[] = [];
  const failed = result.plan.teams.filter((t) => t.route.kind !== 'unrouted' && result.deliveries.get(t.team)?.ok === false);
  if (failed.length > 0) parts.push(`${failed.length} team message(s) not delivered; not recorded, so the next sweep sends them`);
  if (!result.digest.delivered && result.command !== 'dry-run' && result.digest.error !== 'skipped (--no-digest)') {
    parts.push('the digest was not delivered (stderr says what to check)');
  }
  return parts.length > 0 ? parts.join('; ') : 'some Slack deliveries failed';
}

/** Teams named in the summary before "and N more": enough for a cron log to say who was chased. */
const TEAMS_NAMED = 5;

/** "a, b, c, d, e and 7 more" (empty for none). */
function firstFew(names: readonly string[]): string {
  const shown = names.slice(0, TEAMS_NAMED).join(', ');
  return names.length > TEAMS_NAMED ? `${shown} and ${names.length - TEAMS_NAMED} more` : shown;
}
