import type { SourceConfig } from '../config/types.js';
import type { ConsumerRow } from '../policy/types.js';
import { isConnectionLost, type Sql } from './connect.js';

export interface ReadOverdueOptions {
  now: Date;
  /** From inspectSource: when false the snoozedUntil column is not referenced at all. */
  hasSnoozedUntil: boolean;
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
  deadline: Date | null;
  snoozed_until: Date | null;
  nudge_count: number | null;
  last_nudged_at: Date | null;
  last_tier: string | null;
}

/**
 * The sweep's one read: every pending consumer past its deadline, with chaser's memory of it,
 * streamed in batches by a cursor over a single statement (one snapshot, however many batches).
 *
 * Rows with a NULL deadline come back too, so the policy can report them instead of them
 * vanishing silently. Every column is cast to the type chaser works with, so an inventory keyed
 * by integer or uuid, or with a varchar team, reads the same as the default table. Ordered by
 * team (NULL last), deadline, id: stable output for messages and tests.
 *
 * Source columns are always qualified (`consumer.`): the inventory may have a column that shares
 * a name with chaser's state columns. ORDER BY names the output columns (the cast forms).
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
    const snoozedUntil = options.hasSnoozedUntil ? session`consumer.${session(c.snoozedUntil)}::timestamptz` : session`null::timestamptz`;
    const query = session<Row[]>`
      select consumer.${session(c.id)}::text as id,
             consumer.${session(c.name)}::text as name,
             consumer.${session(c.team)}::text as team,
             consumer.${session(c.keyId)}::text as key_id,
             consumer.${session(c.status)}::text as status,
             consumer.${session(c.deadline)}::timestamptz as deadline,
             ${snoozedUntil} as snoozed_until,
             s.nudge_count, s.last_nudged_at, s.last_tier
      from ${session(source.table)} as consumer
      left join chaser_nudge_state s on s.consumer_id = consumer.${session(c.id)}::text
      where consumer.${session(c.status)}::text = any(${source.pendingStatuses}::text[])
        and (consumer.${session(c.deadline)}::timestamptz < ${options.now}::timestamptz or consumer.${session(c.deadline)} is null)
        ${teams ? session`and consumer.${session(c.team)}::text = any(${teams}::text[])` : session``}
        ${options.keyId !== undefined ? session`and consumer.${session(c.keyId)}::text = ${options.keyId}::text` : session``}
      order by team nulls last, deadline, id`;
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

function toConsumerRow(row: Row): ConsumerRow {
  return {
    id: row.id,
    name: row.name,
    team: row.team,
    keyId: row.key_id,
    status: row.status,
    deadline: row.deadline,
    snoozedUntil: row.snoozed_until,
    state:
      row.nudge_count === null || row.last_nudged_at === null
        ? null
        : { nudgeCount: row.nudge_count, lastNudgedAt: row.last_nudged_at, lastTier: row.last_tier },
  };
}
