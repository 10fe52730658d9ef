import type { Snapshot } from '../run/history.js';
import { formatDate, formatMinuteUtc } from '../slack/render/wording.js';
import { formatDays, formatPercent, type CampaignReport } from './campaign-report.js';
import { describeProjection } from '../policy/trend.js';

/**
 * `chaser report --html`: one self-contained page. Inline SVG, inline CSS, no JavaScript and no
 * external asset (a Content-Security-Policy forbids both), so it can be attached to a ticket or
 * published as a CI artifact. Colours from the Okabe–Ito palette, distinguishable with the common
 * colour-vision deficiencies; every chart has a text legend and a title for screen readers.
 */

/** Okabe–Ito, in the order tiers take them (least to most severe), then the rest. */
const TIER_COLOURS = ['#56B4E9', '#F0E442', '#E69F00', '#D55E00', '#CC79A7', '#0072B2', '#009E73', '#000000'];
const CONFIRMED = '#009E73';
const EXEMPT = '#0072B2';
const SCOPE = '#1a1a1a';

// Drawn at about the size it is shown (two charts side by side in a 1000 px page), so 12 px text stays 12 px.
const W = 470;
const H = 240;
const M = { top: 18, right: 14, bottom: 30, left: 40 };
const DAY_MS = 86_400_000;

export function renderReportHtml(reports: readonly CampaignReport[], options: { generatedAt: Date; version: string }): string {
  const sections = reports.map((report, index) => campaignSection(report, index)).join('\n');
  const empty =
    reports.length === 0
      ? '<p class="empty">No campaign history yet: every <code>chaser sweep</code> and <code>chaser digest</code> records a snapshot per campaign.</p>'
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Key rotation report — chaser</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Key rotation report</h1>
<p class="meta">${reports.length} campaign${reports.length === 1 ? '' : 's'} · generated ${esc(formatMinuteUtc(options.generatedAt))} by chaser ${esc(options.version)} from its own records</p>
</header>
<main>
${empty}${sections}
</main>
<footer><p>Scope is counted when chaser first sees a consumer and never back-dated. “Done” is confirmed or exempt. Resolution times run from the deadline (negative: before it) and from the first nudge to the run that first saw the consumer done.</p></footer>
</body>
</html>
`;
}

function campaignSection(report: CampaignReport, index: number): string {
  const latest = report.latest;
  const warn = report.projection.kind === 'not-converging' ? ' warn' : '';
  return `<section class="campaign" id="campaign-${index + 1}" aria-labelledby="campaign-${index + 1}-title">
<h2 id="campaign-${index + 1}-title"><span class="label">campaign</span> ${esc(report.keyId)}</h2>
<p class="meta">${report.runs} run${report.runs === 1 ? '' : 's'} from ${esc(formatDate(report.first))} to ${esc(formatDate(latest.asOf))}</p>
<dl class="kpis">
<div><dt>In scope</dt><dd>${latest.inScope}</dd></div>
<div><dt>Done</dt><dd>${esc(formatPercent(report.done))}</dd><dd class="sub">${latest.confirmed} confirmed · ${latest.exempt} exempt</dd></div>
<div><dt>Outstanding</dt><dd>${latest.outstanding}</dd><dd class="sub">${outstandingDetail(latest)}</dd></div>
<div class="finish${warn}"><dt>Finish</dt>${finishKpi(report)}</div>
</dl>
<div class="charts">
${burnUp(report, index)}
${tiersOverTime(report, index)}
</div>
${teamTable(report)}
</section>`;
}

/** Under the outstanding count: what is not yet due, and what the teams' answers hold back (as the digest line says it). */
function outstandingDetail(latest: CampaignReport['latest']): string {
  const parts = [`${latest.pendingNotDue} not yet due`];
  if (latest.snoozed > 0) parts.push(`${latest.snoozed} snoozed`);
  if (latest.claimed > 0) parts.push(`${latest.claimed} claimed done`);
  if (latest.disputed > 0) parts.push(`${latest.disputed} disputed`);
  return parts.join(' · ');
}

function finishKpi(report: CampaignReport): string {
  const p = report.projection;
  switch (p.kind) {
    case 'projected':
      return `<dd>${esc(formatDate(p.at))}</dd><dd class="sub">projected at the last 14 days' rate, −${p.perDay.toFixed(1)}/day</dd>`;
    case 'done':
      return `<dd>done</dd><dd class="sub">nothing outstanding since ${esc(formatDate(p.at))}</dd>`;
    case 'not-converging':
      return `<dd>not converging</dd><dd class="sub">outstanding is not falling over the last 14 days</dd>`;
    case 'too-early':
      return `<dd>—</dd><dd class="sub">${esc(describeProjection(p))}: needs two days of history</dd>`;
  }
}

// ---- charts -------------------------------------------------------------------------------------

interface Scale {
  x: (at: Date) => number;
  y: (value: number) => number;
  yTicks: number[];
  xTicks: Date[];
}

function scaleFor(days: readonly Snapshot[], maxValue: number): Scale {
  const first = days[0]?.asOf.getTime() ?? 0;
  const last = days.at(-1)?.asOf.getTime() ?? first;
  // A single day still gets a width: half a day either side.
  const [t0, t1] = last - first < DAY_MS ? [first - DAY_MS / 2, last + DAY_MS / 2] : [first, last];
  const step = niceStep(maxValue);
  const top = Math.max(step, Math.ceil(maxValue / step) * step);
  const innerW = W - M.left - M.right;
  const innerH = H - M.top - M.bottom;
  const yTicks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) yTicks.push(v);
  const spanDays = Math.max(1, Math.round((t1 - t0) / DAY_MS));
  const every = Math.max(1, Math.ceil(spanDays / 7));
  const xTicks: Date[] = [];
  const startDay = Math.ceil(t0 / DAY_MS) * DAY_MS;
  for (let t = startDay; t <= t1; t += every * DAY_MS) xTicks.push(new Date(t));
  return {
    x: (at) => M.left + ((at.getTime() - t0) / (t1 - t0)) * innerW,
    y: (value) => M.top + innerH - (value / top) * innerH,
    yTicks,
    xTicks,
  };
}

function niceStep(max: number): number {
  if (max <= 5) return 1;
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = raw / power;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power;
}

function axes(scale: Scale): string {
  const grid = scale.yTicks
    .map((v) => {
      const y = r(scale.y(v));
      return `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}"/><text class="tick" x="${M.left - 8}" y="${y}" dy="0.32em" text-anchor="end">${formatCount(v)}</text>`;
    })
    .join('');
  const dates = scale.xTicks
    .map((d) => {
      const x = r(scale.x(d));
      return `<line class="tickmark" x1="${x}" x2="${x}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}"/><text class="tick" x="${x}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(d.toISOString().slice(5, 10))}</text>`;
    })
    .join('');
  return `<g class="axes">${grid}<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>${dates}</g>`;
}

/** A stacked band between `lower` and `upper` values at each day. */
function band(
  days: readonly Snapshot[],
  scale: Scale,
  lower: (s: Snapshot) => number,
  upper: (s: Snapshot) => number,
  colour: string,
  name: string,
): string {
  if (days.length === 0) return '';
  if (days.length === 1) {
    const s = days[0] as Snapshot;
    const x = scale.x(s.asOf);
    return `<rect class="band" data-series="${esc(name)}" x="${r(x - 8)}" width="16" y="${r(scale.y(upper(s)))}" height="${r(scale.y(lower(s)) - scale.y(upper(s)))}" fill="${colour}"/>`;
  }
  const top = days.map((s) => `${r(scale.x(s.asOf))},${r(scale.y(upper(s)))}`);
  const bottom = [...days].reverse().map((s) => `${r(scale.x(s.asOf))},${r(scale.y(lower(s)))}`);
  return `<polygon class="band" data-series="${esc(name)}" points="${[...top, ...bottom].join(' ')}" fill="${colour}"/>`;
}

function burnUp(report: CampaignReport, index: number): string {
  const days = report.days;
  const scale = scaleFor(days, Math.max(1, ...days.map((d) => d.inScope)));
  const id = `burnup-${index + 1}`;
  const scopeLine =
    days.length === 1
      ? `<line class="scope" x1="${r(scale.x(days[0]!.asOf) - 14)}" x2="${r(scale.x(days[0]!.asOf) + 14)}" y1="${r(scale.y(days[0]!.inScope))}" y2="${r(scale.y(days[0]!.inScope))}" stroke="${SCOPE}"/>`
      : `<polyline class="scope" points="${days.map((d) => `${r(scale.x(d.asOf))},${r(scale.y(d.inScope))}`).join(' ')}" fill="none" stroke="${SCOPE}"/>`;
  const last = days.at(-1);
  const label = last
    ? `<text class="end-label" x="${r(scale.x(last.asOf) - 4)}" y="${r(scale.y(last.inScope) - 6)}" text-anchor="end">scope ${last.inScope}</text>`
    : '';
  return `<figure class="chart">
<figcaption id="${id}-title">Burn-up: done against scope</figcaption>
<svg class="burnup" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-title ${id}-desc">
<desc id="${id}-desc">${esc(describeSeries(days, (d) => `${d.confirmed + d.exempt} of ${d.inScope} done`))}</desc>
${axes(scale)}
${band(
  days,
  scale,
  () => 0,
  (d) => d.confirmed,
  CONFIRMED,
  'confirmed',
)}
${band(
  days,
  scale,
  (d) => d.confirmed,
  (d) => d.confirmed + d.exempt,
  EXEMPT,
  'exempt',
)}
${scopeLine}${label}
</svg>
${legend([
  { colour: CONFIRMED, label: 'confirmed' },
  { colour: EXEMPT, label: 'exempt' },
  { colour: SCOPE, label: 'scope (all consumers of the key)', line: true },
])}
</figure>`;
}

function tiersOverTime(report: CampaignReport, index: number): string {
  const days = report.days;
  const tiers = report.tiers;
  // Most severe at the bottom, on the baseline, where its height is easiest to read.
  const stackOrder = [...tiers].reverse();
  const colour = (tier: string) => TIER_COLOURS[tiers.indexOf(tier) % TIER_COLOURS.length] as string;
  const scale = scaleFor(days, Math.max(1, ...days.map((d) => d.outstanding)));
  const id = `tiers-${index + 1}`;
  const below = (d: Snapshot, i: number) => stackOrder.slice(0, i).reduce((sum, t) => sum + (d.outstandingByTier[t] ?? 0), 0);
  const bands = stackOrder
    .map((tier, i) =>
      band(
        days,
        scale,
        (d) => below(d, i),
        (d) => below(d, i + 1),
        colour(tier),
        tier,
      ),
    )
    .join('\n');
  return `<figure class="chart">
<figcaption id="${id}-title">Outstanding by tier</figcaption>
<svg class="tiers" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-title ${id}-desc">
<desc id="${id}-desc">${esc(describeSeries(days, (d) => `${d.outstanding} outstanding`))}</desc>
${axes(scale)}
${bands}
</svg>
${legend(stackOrder.map((tier) => ({ colour: colour(tier), label: tier })))}
</figure>`;
}

function legend(items: { colour: string; label: string; line?: boolean }[]): string {
  return `<ul class="legend">${items
    .map((item) => `<li><span class="swatch${item.line ? ' line' : ''}" style="--c:${item.colour}"></span>${esc(item.label)}</li>`)
    .join('')}</ul>`;
}

function describeSeries(days: readonly Snapshot[], text: (d: Snapshot) => string): string {
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) return 'no data';
  return `${formatDate(first.asOf)}: ${text(first)}; ${formatDate(last.asOf)}: ${text(last)}`;
}

function teamTable(report: CampaignReport): string {
  if (report.teams.length === 0) return '';
  const rows = report.teams
    .map(
      (t) =>
        `<tr><th scope="row">${esc(t.team)}</th><td>${t.outstanding}</td><td>${t.maxDaysOverdue === null ? '—' : `${t.maxDaysOverdue} d`}</td><td>${t.resolved}</td><td>${esc(formatDays(t.medianDaysFromDeadline))}</td><td>${esc(formatDays(t.medianDaysFromFirstNudge))}</td></tr>`,
    )
    .join('\n');
  return `<table class="teams">
<caption>Teams: outstanding now and time to done (median)</caption>
<thead><tr><th scope="col">team</th><th scope="col">outstanding</th><th scope="col">most overdue</th><th scope="col">resolved</th><th scope="col">deadline → done</th><th scope="col">first nudge → done</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function formatCount(value: number): string {
  return value >= 10_000 ? `${Math.round(value / 1000)}k` : String(value);
}

function r(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/** Text and attribute values: everything from the database passes through here. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #5a5a5a; --rule: #d9d9d9; --bg: #ffffff; --panel: #f6f6f4; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1000px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; border-bottom: 1px solid var(--rule); padding-bottom: 12px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 0 0 2px; word-break: break-all; }
h2 .label { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin-right: 6px; }
.meta { color: var(--muted); margin: 0; font-size: 13px; }
.campaign { padding: 24px 0 8px; border-bottom: 1px solid var(--rule); }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 16px 0; }
.kpis div { background: var(--panel); border-radius: 6px; padding: 10px 14px; }
.kpis dt { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.kpis dd { margin: 2px 0 0; font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpis dd.sub { font-size: 12px; font-weight: 400; color: var(--muted); }
.kpis .finish.warn { background: #fbe9e1; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.chart { margin: 0; }
.chart figcaption { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
.chart svg { width: 100%; height: auto; display: block; }
.grid { stroke: #e6e6e6; stroke-width: 1; }
.axis { stroke: #8a8a8a; stroke-width: 1; }
.tickmark { stroke: #8a8a8a; }
.tick { font-size: 12px; fill: var(--muted); font-variant-numeric: tabular-nums; }
.band { stroke: #ffffff; stroke-width: 0.75; }
.scope { stroke-width: 2.5; stroke-dasharray: 6 4; fill: none; }
.end-label { font-size: 12px; font-weight: 600; fill: var(--ink); }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; color: var(--ink); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; background: var(--c); margin-right: 6px; vertical-align: -1px; outline: 1px solid rgba(0,0,0,0.15); }
.swatch.line { height: 0; border-top: 2.5px dashed var(--c); background: none; outline: none; width: 18px; vertical-align: 3px; }
table.teams { width: 100%; border-collapse: collapse; margin: 20px 0 12px; font-size: 14px; font-variant-numeric: tabular-nums; }
table.teams caption { text-align: left; font-weight: 600; margin-bottom: 6px; }
table.teams th, table.teams td { padding: 6px 10px; border-bottom: 1px solid var(--rule); text-align: right; }
table.teams th:first-child { text-align: left; font-weight: 500; word-break: break-all; }
table.teams thead th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); font-weight: 600; }
footer { color: var(--muted); font-size: 12px; padding-top: 12px; padding-bottom: 32px; }
.empty { padding: 32px 0; color: var(--muted); }
@media (max-width: 760px) { .kpis { grid-template-columns: 1fr 1fr; } .charts { grid-template-columns: 1fr; } }
`;
