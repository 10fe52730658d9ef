import type { SourceConfig } from '../config/types.js';
import type { ConsumerRow } from '../policy/types.js';
import { FAR_PAST_MS, FOREVER_MS } from '../policy/time.js';
import { printableOrNull } from '../printable.js';
import { isConnectionLost, type Sql } from './connect.js';
import { instantFromEpoch, instantFromText } from './instants.js';
import { instantOf, overdueOrUnset, type TimeKind } from './source.js';

export interface ReadOverdueOptions {
  now: Date;
  /** From inspectSource: when false the snoozedUntil column is not referenced at all. */
  hasSnoozedUntil: boolean;
  /** From inspectSource: how the deadline and snoozedUntil columns are read (default: timestamptz). */
  deadlineKind?: TimeKind;
  snoozedUntilKind?: TimeKind | null;
  /** From inspectSource: how source.columns.lastSeenOnOldKey is read; null or absent: not mapped, not referenced. */
  lastSeenKind?: TimeKind | null;
  /**
   * False when chaser's tables are absent (a read-only first look before `chaser migrate`): the
   * nudge state is not joined, every consumer reads as never nudged.
   */
  withState?: boolean;
  /** --team: only these owner teams (any of them). Empty or absent = every team. */
  teams?: string[];
  /** --key: only consumers of this key id. */
  keyId?: string;
  /** Rows per round trip; memory stays bounded however large the backlog. */
  batchSize?: number;
}

interface Row {
  id: string;
  name: string | null;
  team: string | null;
  key_id: string | null;
  status: string;
  deadline_epoch: number | null;
  deadline_text: string | null;
  snoozed_epoch: number | null;
  snoozed_text: string | null;
  last_seen_epoch: number | null;
  last_seen_text: string | null;
  nudge_count: number | null;
  last_nudged_at: Date | null;
  last_tier: string | null;
}

/**
 * The sweep's one read: every pending consumer past its deadline, with chaser's memory of it,
 * streamed in batches by a cursor over a single statement (one snapshot, however many batches).
 *
 * Rows with a NULL deadline come back too, so the policy can report them instead of them
 * vanishing silently. Time columns come back as epoch seconds (instant and local kinds: infinities
 * kept, no DateStyle to parse) or as text, parsed here row by row (see TimeKind): a value that is
 * not an instant becomes an Invalid Date for the policy to report, never a failed read. A text
 * deadline is therefore not filtered in SQL: every pending row comes back and the policy drops
 * the ones not yet due.
 *
 * Every text value is made printable here (printable.ts), the one door from the database: a team
 * key full of terminal escapes reaches no terminal, log or run record. Ids stay exactly as stored,
 * since nudges are recorded under them; they are quoted through printableJson where shown. Every column is cast to the type chaser works with, so an inventory keyed
 * by integer or uuid, or with a varchar team, reads the same as the default table. Ordered by
 * team (NULL last), deadline, id: stable output for messages and tests.
 *
 * Source columns are always qualified (`consumer.`): the inventory may have a column that shares
 * a name with chaser's state columns. ORDER BY names the output columns (the cast forms); a
 * deadline of -infinity sorts first, and a text deadline after every other (its order is only
 * for stable output: nothing depends on it).
 *
 * Consume each batch without awaiting other I/O before asking for the next: if the connection
 * dies while this generator is suspended, postgres.js 3.4.9's next fetch writes to a closed socket
 * and crashes the process (porsager/postgres#1208). Failures while a batch is in flight reject
 * normally.
 *
 * The mapped names come from the config and go through `sql(name)` (quoted; "schema.table" split
 * on its dot); every value is a bind parameter.
 */
export async function* readOverdueConsumers(sql: Sql, source: SourceConfig, options: ReadOverdueOptions): AsyncIterable<ConsumerRow[]> {
  const c = source.columns;
  const teams = options.teams && options.teams.length > 0 ? options.teams : null;
  // The cursor runs in a read-only transaction on a connection of its own. Real Postgres would
  // keep the portal open without one, but PGlite serves every connection from one session: another
  // connection's query between two batches would end the implicit transaction and destroy the
  // portal ("portal does not exist"). Inside an explicit transaction pglite-socket holds other
  // connections' queries until the commit. (So on PGlite, do not await other queries while
  // iterating: they wait for this read to finish.)
  const session = await sql.reserve();
  let open = false;
  let lost = false;
  try {
    await session`begin read only`;
    open = true;
    const deadlineKind = options.deadlineKind ?? 'instant';
    const snoozedKind = options.hasSnoozedUntil ? (options.snoozedUntilKind ?? 'instant') : null;
    const deadline = timeColumns(session, c.deadline, deadlineKind, 'deadline');
    const snoozed =
      snoozedKind === null
        ? session`null::float8 as snoozed_epoch, null::text as snoozed_text`
        : timeColumns(session, c.snoozedUntil, snoozedKind, 'snoozed');
    const lastSeenKind = options.lastSeenKind ?? null;
    const lastSeen =
      lastSeenKind === null || c.lastSeenOnOldKey === undefined
        ? session`null::float8 as last_seen_epoch, null::text as last_seen_text`
        : timeColumns(session, c.lastSeenOnOldKey, lastSeenKind, 'last_seen');
    const withState = options.withState ?? true;
    const state = withState
      ? session`s.nudge_count, s.last_nudged_at, s.last_tier`
      : session`null::int as nudge_count, null::timestamptz as last_nudged_at, null::text as last_tier`;
    const query = session<Row[]>`
      select consumer.${session(c.id)}::text as id,
             consumer.${session(c.name)}::text as name,
             consumer.${session(c.team)}::text as team,
             consumer.${session(c.keyId)}::text as key_id,
             consumer.${session(c.status)}::text as status,
             ${deadline},
             ${snoozed},
             ${lastSeen},
             ${state}
      from ${session(source.table)} as consumer
      ${withState ? session`left join chaser_nudge_state s on s.consumer_id = consumer.${session(c.id)}::text` : session``}
      where consumer.${session(c.status)}::text = any(${source.pendingStatuses}::text[])
        and ${overdueOrUnset(session, c.deadline, deadlineKind, options.now)}
        ${teams ? session`and consumer.${session(c.team)}::text = any(${teams}::text[])` : session``}
        ${options.keyId !== undefined ? session`and consumer.${session(c.keyId)}::text = ${options.keyId}::text` : session``}
      order by team nulls last, deadline_epoch, deadline_text, id`;
    for await (const rows of query.cursor(options.batchSize ?? 5000)) {
      yield rows.map(toConsumerRow);
    }
    open = false;
    await session`commit`;
  } catch (error) {
    lost = isConnectionLost(error);
    throw error;
  } finally {
    // A dead connection is left alone: postgres.js 3.4.9 crashes the process on a write to a
    // reserved connection whose socket closed (porsager/postgres#1208); the pool reconnects it
    // when needed. Otherwise end the transaction (the caller may have stopped iterating early)
    // before the connection goes back to the pool.
    if (!lost) {
      if (open) await session`rollback`.catch(() => {});
      session.release();
    }
  }
}

/**
 * The two output columns of a time column, `<name>_epoch` and `<name>_text`, one of them NULL.
 * Instant and local kinds: `date_part('epoch', …)` of the timestamptz (±Infinity for the
 * infinities). Text: the text itself.
 */
function timeColumns(sql: Sql, column: string, kind: TimeKind, name: 'deadline' | 'snoozed' | 'last_seen') {
  const epoch = sql(`${name}_epoch`);
  const text = sql(`${name}_text`);
  if (kind === 'text') return sql`null::float8 as ${epoch}, consumer.${sql(column)}::text as ${text}`;
  return sql`date_part('epoch', ${instantOf(sql, column, kind)}) as ${epoch}, null::text as ${text}`;
}

function lastSeenOf(row: Row): Date | null {
  const seen = row.last_seen_text !== null ? instantFromText(row.last_seen_text) : instantFromEpoch(row.last_seen_epoch);
  if (seen === null || (Number.isFinite(seen.getTime()) && seen.getTime() !== FAR_PAST_MS && seen.getTime() !== FOREVER_MS)) return seen;
  return new Date(Number.NaN);
}

function toConsumerRow(row: Row): ConsumerRow {
  const deadline = row.deadline_text !== null ? instantFromText(row.deadline_text) : instantFromEpoch(row.deadline_epoch);
  const snoozed = row.snoozed_text !== null ? instantFromText(row.snoozed_text) : instantFromEpoch(row.snoozed_epoch);
  return {
    id: row.id,
    name: printableOrNull(row.name),
    team: printableOrNull(row.team),
    keyId: printableOrNull(row.key_id),
    status: row.status,
    // A deadline of -infinity cannot be placed in a tier (no number of days): unreadable, reported.
    deadline: deadline !== null && deadline.getTime() === FAR_PAST_MS ? new Date(Number.NaN) : deadline,
    // A snooze until -infinity is over: not snoozed. Until +infinity: snoozed forever (policy/time.ts).
    snoozedUntil: snoozed !== null && snoozed.getTime() === FAR_PAST_MS ? null : snoozed,
    // Only mapped columns give evidence. An infinity says nothing of when the key was last used: unreadable, reported.
    ...(row.last_seen_epoch !== null || row.last_seen_text !== null ? { lastSeenOnOldKey: lastSeenOf(row) } : {}),
    state:
      row.nudge_count === null || row.last_nudged_at === null
        ? null
        : { nudgeCount: row.nudge_count, lastNudgedAt: row.last_nudged_at, lastTier: row.last_tier },
  };
}
