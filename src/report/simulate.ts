import { formatDuration } from '../config/duration.js';
import { formatExactInstant as formatInstant } from '../policy/time.js';
import { sanitizeText } from '../slack/render/escape.js';
import type { SimulationResult } from '../simulate/simulate.js';

/** The machine form: instants as ISO strings, the same shape the human form prints. */
export function simulationJson(result: SimulationResult) {
  return {
    command: 'simulate',
    from: result.from.toISOString(),
    to: result.to.toISOString(),
    every: formatDuration(result.everyMs),
    runs: result.runs,
    messages: result.messages.map((m) => ({
      team: m.team,
      runAt: m.runAt.toISOString(),
      postAt: m.postAt.toISOString(),
      scheduled: m.scheduled,
      local: `${m.localDate} ${m.localTime}`,
      timezone: m.timezone,
      tier: m.tier,
      consumers: m.consumers,
    })),
    perWeek: result.perWeek,
    consumers: result.consumers.map((c) => ({
      id: c.id,
      team: c.team,
      tiers: Object.fromEntries(Object.entries(c.tiers).map(([tier, at]) => [tier, at.toISOString()])),
      ...(c.confirmedAt ? { confirmedAt: c.confirmedAt.toISOString() } : {}),
    })),
    escalations: result.escalations.map((e) => ({
      team: e.team,
      runAt: e.runAt.toISOString(),
      postAt: e.postAt.toISOString(),
      step: e.step,
      target: e.target,
      ignored: e.ignored,
      since: e.since.toISOString(),
    })),
    budgetHolds: result.budgetHolds.map((h) => ({
      team: h.team,
      runs: h.runs,
      first: h.first.toISOString(),
      last: h.last.toISOString(),
      limit: h.limit,
    })),
    exitCode: 0,
  };
}

/** Per team and day what would be sent, each team's messages per week, the day each consumer reaches each tier. */
export function renderSimulation(result: SimulationResult): string {
  const out: string[] = [];
  out.push(
    `chaser simulate · ${formatInstant(result.from)} → ${formatInstant(result.to)} · a run every ${formatDuration(result.everyMs)} (${result.runs} runs) · nothing posted, nothing written`,
    '',
  );
  const teams = [...new Set(result.messages.map((m) => m.team))].sort();
  if (teams.length === 0) out.push('No message would be sent in this range.', '');
  for (const team of teams) {
    const messages = result.messages.filter((m) => m.team === team);
    const weeks = result.perWeek[team] ?? [];
    out.push(`▌ ${sanitizeText(team, 120, '(no team)')} · ${messages.length} message(s) · per week: ${weeks.join(', ')}`);
    let day = '';
    for (const m of messages) {
      const prefix = m.localDate === day ? ' '.repeat(m.localDate.length) : m.localDate;
      day = m.localDate;
      const how = m.scheduled ? ` (scheduled by the ${formatInstant(m.runAt)} run)` : '';
      out.push(`  ${prefix}  ${m.localTime} ${m.timezone}  ${m.tier.padEnd(10)} ${m.consumers.length} consumer(s)${how}`);
    }
    out.push('');
  }
  out.push(...pacingLines(result));
  if (result.consumers.length > 0) {
    out.push('Tier reached (first run in each tier)');
    for (const c of result.consumers.slice(0, 200)) {
      const tiers = Object.entries(c.tiers).map(([tier, at]) => `${tier} ${at.toISOString().slice(0, 10)}`);
      const confirmed = c.confirmedAt ? ` · confirmed ${c.confirmedAt.toISOString().slice(0, 10)}` : '';
      out.push(`  ${sanitizeText(c.team, 120, '(no team)')}/${sanitizeText(c.id, 120, '(empty id)')}: ${tiers.join(' → ')}${confirmed}`);
    }
    if (result.consumers.length > 200) out.push(`  … and ${result.consumers.length - 200} more (--json lists all)`);
  }
  return `${out.join('\n')}\n`;
}

/** Escalations a sweep would send, and the nudges the budget would hold back (never silently). */
function pacingLines(result: SimulationResult): string[] {
  const lines: string[] = [];
  for (const e of result.escalations) {
    const when = e.postAt.getTime() === e.runAt.getTime() ? '' : ` (scheduled for ${formatInstant(e.postAt)})`;
    lines.push(
      `  ${formatInstant(e.runAt)}  ${sanitizeText(e.team, 120, '(no team)')} → ${sanitizeText(e.target, 120, '?')} (step ${e.step}): ${e.ignored} nudge(s) unanswered since ${e.since.toISOString().slice(0, 10)}${when}`,
    );
  }
  for (const h of result.budgetHolds) {
    const team = sanitizeText(h.team, 120, '(no team)');
    lines.push(
      `  held back by ${team}${team.endsWith('s') ? "'" : "'s"} budget (${h.limit} a week): its nudge in ${h.runs} run(s), ${formatInstant(h.first)} → ${formatInstant(h.last)}`,
    );
  }
  return lines.length > 0 ? ['Escalations and budget holds', ...lines, ''] : [];
}
