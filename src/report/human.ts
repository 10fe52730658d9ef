import kleur from 'kleur';
import { ExitCode } from '../exit-codes.js';
import type { RunResult } from '../run/types.js';
import type { Plan, TeamPlan, TeamSummary } from '../policy/types.js';
import { renderDigest } from '../slack/render/digest-message.js';
import { renderTeamMessage } from '../slack/render/team-message.js';
import { formatDate, formatMinuteUtc } from '../slack/render/wording.js';
import { renderMessageForTerminal } from './terminal-message.js';

const WIDTH = 80;

/** What the exit code asks of the operator, in one line. */
const EXIT_MEANING: Partial<Record<ExitCode, string>> = {
  [ExitCode.ok]: 'nothing outstanding at or above the --fail-on threshold',
  [ExitCode.outstanding]: 'consumers remain outstanding',
  [ExitCode.deliveryFailed]: 'some Slack deliveries failed; they were not recorded and will be retried next run',
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
export function writeDryRun(result: RunResult, mentionLabels: Record<string, string>, write: (text: string) => void): void {
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
      const message = renderTeamMessage(team, plan.now, plan.tiers);
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
  out.push('', kleur.dim('dry-run: nothing was posted and nothing was written.'), exitLine(result));
  write(`${out.join('\n')}\n`);
}

function heading(result: RunResult): string {
  return kleur.bold(`chaser ${result.command} · as of ${formatMinuteUtc(result.now)}`);
}

function tierSummary(plan: Plan): string[] {
  if (plan.outstanding === 0) return [kleur.green('  nothing outstanding')];
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
    `  ${plan.outstanding} outstanding across ${plan.summaries.length} team(s)${snoozed ? `, ${snoozed} snoozed` : ''}; ${plan.teams.length} team(s) due a nudge`,
    ...(plan.skipped.length ? [kleur.yellow(`  ${plan.skipped.length} row(s) skipped (see warnings)`)] : []),
  ];
}

function deliverySummary(result: RunResult): string[] {
  const lines: string[] = [];
  if (result.command === 'sweep') {
    const sent = result.plan.teams.filter((t) => result.deliveries.get(t.team)?.ok);
    const consumers = sent.reduce((n, t) => n + t.nudges.count, 0);
    lines.push(`  nudged ${sent.length} team(s), ${consumers} consumer(s)`);
    for (const team of result.plan.teams) {
      const d = result.deliveries.get(team.team);
      if (d && !d.ok) lines.push(kleur.yellow(`  not delivered: ${team.team} (${d.reason})`));
    }
  }
  const digest = result.digest;
  lines.push(digest.delivered ? `  digest sent to ${digest.channel}` : kleur.dim(`  digest not sent${digest.error ? `: ${digest.error}` : ''}`));
  return lines;
}

/** Nudges the budget held back, and escalations sent (sweep) or that a sweep would send. */
function pacingLines(result: RunResult): string[] {
  const lines: string[] = [];
  for (const h of result.held ?? []) lines.push(kleur.yellow(`  held back: ${h.team}'s nudge (${h.consumers} consumer(s)) — ${h.why}`));
  for (const e of result.escalations ?? []) {
    const what = `${e.team} → ${e.target} (step ${e.step}): ${e.ignored} nudge(s) unanswered since ${formatDate(e.since)}`;
    if (e.delivered) lines.push(`  escalated ${what}`);
    else lines.push((result.command === 'sweep' ? kleur.yellow : kleur.dim)(`  ${result.command === 'sweep' ? 'escalation not sent' : 'would escalate'}: ${what}${result.command === 'sweep' && e.error ? ` (${e.error})` : ''}`));
  }
  return lines;
}

function teamHeading(team: TeamPlan): string {
  const where = team.route.kind === 'unrouted' ? 'unrouted' : `→ ${team.route.channel}${team.route.kind === 'fallback' ? ' (fallback)' : ''}`;
  return `${kleur.bold().cyan(`▌ ${team.team}`)} ${kleur.dim(`${where} · ${team.tier.name} · ${team.dueCount} due`)}`;
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
  const meaning = code === ExitCode.terminated || code === ExitCode.interrupted ? result.problems[0] : EXIT_MEANING[code];
  return kleur.dim(`exit ${code}${meaning ? `: ${meaning}` : ''}`);
}

function indent(text: string): string {
  return text.replace(/\n$/, '').split('\n').map((l) => `  ${l}`).join('\n');
}
