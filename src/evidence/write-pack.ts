import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { SourceConfig } from '../config/types.js';
import type { Sql } from '../db/connect.js';
import {
  streamCampaignConsumers,
  streamCampaignNudges,
  streamCampaignAnswers,
  streamCampaignRuns,
  type EvidenceConsumer,
  type EvidenceFilter,
} from '../db/evidence.js';
import { DONE_STATUSES, EXEMPT_STATUSES } from '../run/history.js';
import { ChaserError, ExitCode } from '../exit-codes.js';
import { fileError } from './output.js';
import { createHash } from 'node:crypto';
import {
  CHAIN_GENESIS,
  FILES,
  HEADERS,
  HashedWriter,
  PACK_FORMAT,
  chainLink,
  iso,
  mdText,
  type FileEntry,
  type Manifest,
} from './files.js';

export interface PackRequest {
  sql: Sql;
  source: SourceConfig;
  filter: EvidenceFilter;
  out: string;
  cwd: string;
  force: boolean;
  now: Date;
  version: string;
  /** Builds a message permalink, or explains why there is none (no token, auth.test failed). */
  permalink: { base: string } | { reason: string };
}

/** Listed by name in summary.md; the rest are counted (every one is in consumers.csv). */
const LISTED_MAX = 500;

export interface PackResult {
  out: string;
  manifest: Manifest;
}

/**
 * Writes the pack into a temporary directory beside the target, then renames it into place:
 * an interrupted or failed run leaves no half-written pack (and, with --force, the old pack
 * is only replaced once the new one is complete).
 */
export async function writeEvidencePack(request: PackRequest): Promise<PackResult> {
  const out = resolve(request.cwd, request.out);
  const existing = await readdir(out).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return null;
    throw fileError(error, out);
  });
  if (existing !== null && existing.length > 0 && !request.force) {
    throw new ChaserError(ExitCode.usage, `${out} exists and is not empty`, [
      'fix: choose a new directory, or pass --force to replace it (the old pack is replaced only once the new one is complete)',
    ]);
  }
  const temp = await mkdtemp(join(dirname(out), `.${basename(out)}.tmp-`)).catch((error: unknown) => {
    throw fileError(error, dirname(out));
  });
  try {
    const manifest = await writeInto(temp, request);
    await writeFile(join(temp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    if (existing !== null) {
      const old = `${temp}.old`;
      await rename(out, old);
      await rename(temp, out);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, out);
    }
    return { out, manifest };
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => {});
    throw error instanceof ChaserError ? error : fileError(error, out);
  }
}

interface Tally {
  total: number;
  confirmed: number;
  exempt: number;
  removed: number;
  pendingOverdue: number;
  pendingNotDue: number;
  other: number;
  doneByDeadline: number;
  doneKnownTime: number;
  exemptions: string[];
  pending: string[];
}

async function writeInto(dir: string, request: PackRequest): Promise<Manifest> {
  const { sql, source, filter, now } = request;
  const files: Record<string, FileEntry> = {};
  const tally: Tally = {
    total: 0,
    confirmed: 0,
    exempt: 0,
    removed: 0,
    pendingOverdue: 0,
    pendingNotDue: 0,
    other: 0,
    doneByDeadline: 0,
    doneKnownTime: 0,
    exemptions: [],
    pending: [],
  };

  const consumers = new HashedWriter(join(dir, FILES.consumers));
  try {
    await consumers.row(HEADERS.consumers);
    for await (const rows of streamCampaignConsumers(sql, source, filter)) {
      for (const row of rows) {
        const state = finalState(row, source.pendingStatuses, now);
        count(tally, row, state, now);
        await consumers.row([
          row.id,
          row.name ?? '',
          row.team ?? '',
          iso(row.deadline),
          state,
          stateSince(row, state),
          String(row.nudge_count ?? 0),
          iso(row.first_nudged_at),
          iso(row.last_nudged_at),
        ]);
      }
    }
    files[FILES.consumers] = { ...(await consumers.close()), rows: consumers.rows - 1 };
  } catch (error) {
    consumers.destroy();
    throw error;
  }

  const nudges = new HashedWriter(join(dir, FILES.nudges));
  let head = CHAIN_GENESIS;
  const runsNudged = new Set<string>();
  try {
    await nudges.row(HEADERS.nudges);
    for await (const rows of streamCampaignNudges(sql, source, filter)) {
      for (const n of rows) {
        runsNudged.add(n.run_id);
        const cells = [
          n.id,
          n.run_id,
          iso(n.nudged_at),
          n.consumer_id,
          n.team,
          n.tier,
          n.channel,
          n.message_ts,
          permalinkOf(request.permalink, n.channel, n.message_ts),
        ];
        head = chainLink(head, cells);
        await nudges.row([...cells, head]);
      }
    }
    files[FILES.nudges] = { ...(await nudges.close()), rows: nudges.rows - 1 };
  } catch (error) {
    nudges.destroy();
    throw error;
  }

  // Answers get a chain of their own, like the nudges: who said "done" and when is as much a
  // part of the record as the nudge it answered, and an edited row is named, not just detected.
  const answers = new HashedWriter(join(dir, FILES.answers));
  let answerHead = CHAIN_GENESIS;
  const answerKinds = new Map<string, number>();
  try {
    await answers.row(HEADERS.answers);
    for await (const rows of streamCampaignAnswers(sql, source, filter)) {
      for (const a of rows) {
        answerKinds.set(a.kind, (answerKinds.get(a.kind) ?? 0) + 1);
        const cells = [
          a.id,
          iso(a.recorded_at),
          a.run_id ?? '',
          a.consumer_id ?? '',
          a.team,
          a.kind,
          a.source,
          a.actor,
          a.channel,
          a.message_ts,
          a.body,
          iso(a.until_at),
          a.detail ?? '',
          permalinkOf(request.permalink, a.channel, a.message_ts),
        ];
        answerHead = chainLink(answerHead, cells);
        await answers.row([...cells, answerHead]);
      }
    }
    files[FILES.answers] = { ...(await answers.close()), rows: answers.rows - 1 };
  } catch (error) {
    answers.destroy();
    throw error;
  }

  const runs = new HashedWriter(join(dir, FILES.runs));
  const configs = new Set<string>();
  try {
    await runs.row(HEADERS.runs);
    for await (const rows of streamCampaignRuns(sql, filter)) {
      for (const r of rows) {
        if (r.config_hash) configs.add(r.config_hash);
        await runs.row([
          r.id,
          r.command,
          iso(r.as_of),
          iso(r.started_at),
          iso(r.finished_at),
          r.chaser_version ?? '',
          r.config_hash ?? '',
          r.exit_code === null ? '' : String(r.exit_code),
          r.outcome ?? '',
        ]);
      }
    }
    files[FILES.runs] = { ...(await runs.close()), rows: runs.rows - 1 };
  } catch (error) {
    runs.destroy();
    throw error;
  }

  const summary = renderSummary(request, tally, {
    nudges: nudges.rows - 1,
    runs: runs.rows - 1,
    runsNudged: runsNudged.size,
    configs: configs.size,
    head,
    answers: answers.rows - 1,
    answerKinds,
    answerHead,
  });
  const bytes = Buffer.from(summary, 'utf8');
  await writeFile(join(dir, FILES.summary), bytes, { flag: 'wx' });
  files[FILES.summary] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };

  return {
    format: PACK_FORMAT,
    keyId: filter.keyId,
    from: filter.from?.toISOString() ?? null,
    to: filter.to?.toISOString() ?? null,
    generatedAt: now.toISOString(),
    chaserVersion: request.version,
    files,
    nudgeChain: { algorithm: 'sha256', genesis: CHAIN_GENESIS, rows: nudges.rows - 1, head },
    answerChain: { algorithm: 'sha256', genesis: CHAIN_GENESIS, rows: answers.rows - 1, head: answerHead },
  };
}

type FinalState =
  'confirmed' | 'exempt' | 'removed' | 'pending (overdue)' | 'pending (not yet due)' | 'pending (no deadline)' | 'unknown status';

function finalState(row: EvidenceConsumer, pending: readonly string[], now: Date): FinalState {
  if (row.status === null) return 'removed';
  if (pending.includes(row.status)) {
    if (!row.deadline) return 'pending (no deadline)';
    return row.deadline.getTime() < now.getTime() ? 'pending (overdue)' : 'pending (not yet due)';
  }
  if (DONE_STATUSES.includes(row.status)) return 'confirmed';
  if (EXEMPT_STATUSES.includes(row.status)) return 'exempt';
  return 'unknown status';
}

/** When it got to its final state, as far as chaser saw: the run that recorded the resolution. */
function stateSince(row: EvidenceConsumer, state: FinalState): string {
  if (state.startsWith('pending') || state === 'unknown status') return '';
  return iso(row.left_at);
}

function count(t: Tally, row: EvidenceConsumer, state: FinalState, _now: Date): void {
  t.total += 1;
  const label = `${mdText(row.id, 80)} (${mdText(row.name, 60)}, team ${mdText(row.team, 60)})`;
  switch (state) {
    case 'confirmed':
    case 'exempt': {
      if (state === 'confirmed') t.confirmed += 1;
      else {
        t.exempt += 1;
        if (t.exemptions.length < LISTED_MAX) t.exemptions.push(label);
      }
      // Never nudged: chaser never saw it overdue. Nudged: done by the deadline only if it left by then.
      if (row.nudge_count === null) t.doneByDeadline += 1;
      else if (row.left_at && row.deadline && row.left_at.getTime() <= row.deadline.getTime()) t.doneByDeadline += 1;
      if (row.nudge_count !== null && row.left_at) t.doneKnownTime += 1;
      break;
    }
    case 'removed':
      t.removed += 1;
      break;
    case 'pending (overdue)':
    case 'pending (no deadline)':
      t.pendingOverdue += 1;
      if (t.pending.length < LISTED_MAX)
        t.pending.push(
          `${label}, deadline ${row.deadline ? row.deadline.toISOString().slice(0, 10) : 'none'}, nudged ${row.nudge_count ?? 0}×`,
        );
      break;
    case 'pending (not yet due)':
      t.pendingNotDue += 1;
      break;
    case 'unknown status':
      t.other += 1;
      break;
  }
}

function permalinkOf(permalink: PackRequest['permalink'], channel: string, ts: string): string {
  if (!('base' in permalink)) return '';
  return `${permalink.base}archives/${encodeURIComponent(channel)}/p${ts.replace('.', '')}`;
}

/** The order answers are counted in: the effects first, then what counts for nothing. */
const ANSWER_KINDS: readonly { kind: string; label: string }[] = [
  { kind: 'done', label: 'claimed done' },
  { kind: 'snooze', label: 'snooze asked' },
  { kind: 'not_ours', label: 'disputed ("not ours")' },
  { kind: 'eta', label: 'an ETA given' },
  { kind: 'response', label: 'a reply or reaction naming nothing' },
  { kind: 'refused', label: 'not counted (not understood, or someone outside the team)' },
];

function renderAnswers(n: { answers: number; answerKinds: ReadonlyMap<string, number>; answerHead: string }): string {
  if (n.answers === 0) return 'No answer was read back from Slack for this campaign (answers.csv is the header alone).\n';
  const known = new Set(ANSWER_KINDS.map((k) => k.kind));
  const rows = [
    ...ANSWER_KINDS.map((k) => ({ label: k.label, count: n.answerKinds.get(k.kind) ?? 0 })),
    ...[...n.answerKinds].filter(([kind]) => !known.has(kind)).map(([kind, count]) => ({ label: mdText(kind, 40), count })),
  ];
  return `${n.answers} answer${n.answers === 1 ? '' : 's'} read back from Slack (answers.csv, one row per consumer an answer names, hash-chained in the order recorded: head \`${n.answerHead}\`):

| answer | rows |
| --- | ---: |
${rows.map((r) => `| ${r.label} | ${r.count} |`).join('\n')}
`;
}

function renderSummary(
  request: PackRequest,
  t: Tally,
  n: {
    nudges: number;
    runs: number;
    runsNudged: number;
    configs: number;
    head: string;
    answers: number;
    answerKinds: ReadonlyMap<string, number>;
    answerHead: string;
  },
): string {
  const { filter, now } = request;
  const done = t.confirmed + t.exempt;
  const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${((part / whole) * 100).toFixed(1)} %`);
  const window =
    filter.from || filter.to
      ? `${filter.from?.toISOString() ?? 'the beginning'} to ${filter.to?.toISOString() ?? 'now'}`
      : 'the whole history';
  const list = (items: string[], total: number) =>
    items.length === 0
      ? '_none_\n'
      : `${items.map((item) => `- ${item}`).join('\n')}\n${total > items.length ? `- … and ${total - items.length} more (every one is in consumers.csv)\n` : ''}`;
  return `# Evidence pack: campaign \`${mdText(filter.keyId, 200)}\`

Generated ${now.toISOString()} by chaser ${mdText(request.version)} from its own records and the inventory.
Nudges and runs cover ${window}; consumers are every consumer of the key, with their state now.

## Counts

| | consumers |
| --- | ---: |
| in scope (every consumer of the key, removed ones included) | ${t.total} |
| confirmed (moved off the key) | ${t.confirmed} |
| exempt | ${t.exempt} |
| removed from the inventory after being nudged | ${t.removed} |
| still pending, past the deadline | ${t.pendingOverdue} |
| still pending, not yet due | ${t.pendingNotDue} |
| a status chaser does not know (never treated as done) | ${t.other} |

Done (confirmed or exempt): **${done} of ${t.total}** (${pct(done, t.total)}).
Done by the deadline: **${t.doneByDeadline}** (${pct(t.doneByDeadline, t.total)} of scope): never overdue when chaser ran, or seen done no later than the deadline.

## Chasing

${n.nudges} nudges in ${n.runsNudged} runs (nudges.csv, one row per consumer per message, hash-chained in log order: head \`${n.head}\`).
${n.runs} runs covered this campaign (runs.csv) with ${n.configs} distinct configuration hash${n.configs === 1 ? '' : 'es'}.
${'base' in request.permalink ? "Permalinks are built from the workspace URL (auth.test) and each message's channel and ts." : `Permalinks are empty: ${request.permalink.reason}.`}

## Answers

${renderAnswers(n)}
## Exemptions

${list(t.exemptions, t.exempt)}
## Still pending past the deadline

${list(t.pending, t.pendingOverdue)}
## Files

consumers.csv, nudges.csv, answers.csv, runs.csv and this summary; manifest.json holds the SHA-256 of each and the heads of the two chains.
Check the pack with \`chaser evidence --verify <dir>\` (exit 0 valid, 65 altered or incomplete).
`;
}
