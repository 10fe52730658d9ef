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
