import type { Snapshot, TeamResolutionStats } from '../run/history.js';
import { sanitizeText } from '../slack/render/escape.js';
import { csvCell } from './csv.js';
import { formatDate } from '../slack/render/wording.js';
import { lastPerDay, projectFinish, sparkline, describeProjection, type Projection } from '../policy/trend.js';

/** One team of one campaign: outstanding now (from the latest snapshot) and how fast it closed. */
export interface TeamRow {
  team: string;
  outstanding: number;
  maxDaysOverdue: number | null;
  resolved: number;
  medianDaysFromDeadline: number | null;
  medianDaysFromFirstNudge: number | null;
}

export interface CampaignReport {
  keyId: string;
  first: Date;
  latest: Snapshot;
  /** The last snapshot of each UTC day, oldest first: the charts' points. */
  days: Snapshot[];
  runs: number;
  /** (confirmed + exempt) / in scope, 0..1. */
  done: number;
  projection: Projection;
  trend: string;
  /** Tier names in the ladder's order (least severe first), then any older snapshot's tiers. */
  tiers: string[];
  /** Teams with anything outstanding first (most outstanding), then the slowest to close. */
  teams: TeamRow[];
}

const KEY_MAX = 120;
const TEAM_MAX = 80;

/**
 * The campaigns as chaser's tables remember them, ready for every renderer. Pure: snapshots and
 * resolution stats in, values out. Keys and team names come from the inventory: made printable
 * here, once, so the terminal, CSV and HTML renderers need only their own escaping.
 */
export function buildCampaignReports(
  snapshots: readonly Snapshot[],
  stats: readonly TeamResolutionStats[],
  ladder: readonly string[] = [],
): CampaignReport[] {
  const byKey = new Map<string, Snapshot[]>();
  for (const snapshot of snapshots) byKey.set(snapshot.keyId, [...(byKey.get(snapshot.keyId) ?? []), snapshot]);
  const reports: CampaignReport[] = [];
  for (const [keyId, rows] of byKey) {
    const sorted = [...rows].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
    const latest = sorted.at(-1);
    const first = sorted[0];
    if (!latest || !first) continue;
    const days = lastPerDay(sorted, (s) => s.asOf);
    const points = days.map((s) => ({ at: s.asOf, value: s.outstanding }));
    reports.push({
      keyId: printable(keyId, KEY_MAX, '(no key)'),
      first: first.asOf,
      latest: { ...latest, topTeams: latest.topTeams.map((t) => ({ ...t, team: printable(t.team, TEAM_MAX, '(no team)') })) },
      days,
      runs: sorted.length,
      done: latest.inScope === 0 ? 1 : (latest.confirmed + latest.exempt) / latest.inScope,
      projection: projectFinish(points),
      trend: sparkline(points.slice(-14).map((p) => p.value)),
      // jsonb keeps object keys sorted by length, not in the ladder's order: the config knows it.
      tiers: [...new Set([...ladder, ...days.flatMap((d) => Object.keys(d.outstandingByTier))])],
      teams: teamRows(
        latest,
        stats.filter((s) => s.keyId === keyId),
      ),
    });
  }
  return reports.sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
}

function teamRows(latest: Snapshot, stats: readonly TeamResolutionStats[]): TeamRow[] {
  const rows = new Map<string, TeamRow>();
  const row = (team: string): TeamRow => {
    let found = rows.get(team);
    if (!found) {
      found = {
        team: printable(team, TEAM_MAX, '(no team)'),
        outstanding: 0,
        maxDaysOverdue: null,
        resolved: 0,
        medianDaysFromDeadline: null,
        medianDaysFromFirstNudge: null,
      };
      rows.set(team, found);
    }
    return found;
  };
  for (const top of latest.topTeams) Object.assign(row(top.team), { outstanding: top.outstanding, maxDaysOverdue: top.maxDaysOverdue });
  for (const stat of stats) {
    Object.assign(row(stat.team), {
      resolved: stat.resolved,
      medianDaysFromDeadline: stat.medianDaysFromDeadline,
      medianDaysFromFirstNudge: stat.medianDaysFromFirstNudge,
    });
  }
  return [...rows.values()].sort(
    (a, b) =>
      b.outstanding - a.outstanding ||
      (b.medianDaysFromDeadline ?? -Infinity) - (a.medianDaysFromDeadline ?? -Infinity) ||
      (a.team < b.team ? -1 : a.team > b.team ? 1 : 0),
  );
}

export function printable(text: string, max: number, placeholder: string): string {
  return sanitizeText(text, max, placeholder);
}

/** "3.4 d", "—" for none. */
export function formatDays(days: number | null): string {
  return days === null ? '—' : `${days.toFixed(1)} d`;
}

export function formatPercent(ratio: number): string {
  return `${Math.floor(ratio * 100)} %`;
}

/** The JSON form of `chaser report --json`: stable field names, ISO instants. */
export function reportToJson(reports: readonly CampaignReport[]) {
  return {
    command: 'report',
    campaigns: reports.map((r) => ({
      keyId: r.keyId,
      from: r.first.toISOString(),
      to: r.latest.asOf.toISOString(),
      runs: r.runs,
      done: Math.round(r.done * 1000) / 1000,
      projection: {
        kind: r.projection.kind,
        ...('at' in r.projection ? { at: r.projection.at.toISOString() } : {}),
        ...('perDay' in r.projection ? { perDay: Math.round(r.projection.perDay * 100) / 100 } : {}),
        text: describeProjection(r.projection),
      },
      latest: snapshotJson(r.latest),
      days: r.days.map(snapshotJson),
      teams: r.teams,
    })),
  };
}

function snapshotJson(s: Snapshot) {
  const { runId, asOf, topTeams: _top, command, ...counts } = s;
  return { asOf: asOf.toISOString(), runId, command, ...counts };
}

/** The terminal table: one line per campaign, then each campaign's teams. */
export function renderReportTable(reports: readonly CampaignReport[]): string {
  if (reports.length === 0)
    return 'no campaign history yet: `chaser sweep` and `chaser digest` record a snapshot per campaign on every run\n';
  const header = ['campaign', 'scope', 'done', 'outstanding', 'trend (14 d)', 'finish', 'since'];
  const lines = reports.map((r) => [
    r.keyId,
    String(r.latest.inScope),
    formatPercent(r.done),
    String(r.latest.outstanding),
    r.trend,
    describeProjection(r.projection),
    formatDate(r.first),
  ]);
  let out = table(header, lines);
  for (const r of reports) {
    if (r.teams.length === 0) continue;
    out += `\n${r.keyId} — teams (as of ${formatDate(r.latest.asOf)})\n`;
    out += table(
      ['team', 'outstanding', 'max overdue', 'resolved', 'median deadline→done', 'median nudge→done'],
      r.teams.map((t) => [
        t.team,
        String(t.outstanding),
        t.maxDaysOverdue === null ? '—' : `${t.maxDaysOverdue} d`,
        String(t.resolved),
        formatDays(t.medianDaysFromDeadline),
        formatDays(t.medianDaysFromFirstNudge),
      ]),
    );
  }
  return out;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - [...c].length))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** CSV (RFC 4180): one row per campaign per day, tiers as columns; cells that a spreadsheet would run as formulas are quoted with a leading '. */
export function renderReportCsv(reports: readonly CampaignReport[]): string {
  const tiers = [...new Set(reports.flatMap((r) => r.tiers))];
  const header = [
    'key_id',
    'as_of',
    'in_scope',
    'confirmed',
    'exempt',
    'pending_not_due',
    'outstanding',
    ...tiers.map((t) => `tier_${t}`),
    'snoozed',
    'claimed',
    'disputed',
    'unknown_status',
    'undated',
  ];
  const rows = reports.flatMap((r) =>
    r.days.map((d) => [
      r.keyId,
      d.asOf.toISOString(),
      ...[d.inScope, d.confirmed, d.exempt, d.pendingNotDue, d.outstanding].map(String),
      ...tiers.map((t) => String(d.outstandingByTier[t] ?? 0)),
      ...[d.snoozed, d.claimed, d.disputed, d.unknownStatus, d.undated].map(String),
    ]),
  );
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
