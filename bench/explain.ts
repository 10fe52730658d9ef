import postgres from 'postgres';
import type { Config } from '../src/config/types.js';
import { readOverdueConsumers } from '../src/db/consumers.js';
import { BENCH_NOW } from './scratch-db.js';

export interface ReadPlans {
  /** The statement exactly as chaser sends it (captured from postgres.js, not copied by hand). */
  statement: string;
  /** EXPLAIN (ANALYZE, BUFFERS) on the bench data: most of the table is outstanding. */
  benchData: string;
  /** The same, inside a rolled-back transaction where 95 % of the pending rows were confirmed: a late campaign. */
  lateCampaign: string;
}

/**
 * Captures the sweep's read by running chaser's readOverdueConsumers on a pool whose debug hook
 * records every statement, then EXPLAINs that statement with the same parameters.
 */
export async function explainSweepRead(url: string, config: Config): Promise<ReadPlans> {
  const captured: Array<{ query: string; parameters: unknown[] }> = [];
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, query, parameters) => captured.push({ query, parameters: parameters as unknown[] }),
  });
  try {
    for await (const _batch of readOverdueConsumers(sql, config.source, { now: BENCH_NOW, hasSnoozedUntil: true, batchSize: 1 })) break;
    const read = captured.find((c) => /^\s*select\b/i.test(c.query) && c.query.includes('chaser_nudge_state'));
    if (!read) throw new Error('could not capture the sweep read statement');
    const explain = async (tx: postgres.Sql | postgres.TransactionSql) => {
      const rows = await tx.unsafe(`explain (analyze, buffers) ${read.query}`, read.parameters as postgres.ParameterOrJSON<never>[]);
      return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
    };
    const benchData = await explain(sql);
    let lateCampaign = '';
    await sql
      .begin(async (tx) => {
        await tx`update rotation_consumers set status = 'confirmed' where status = 'pending' and substr(id, 2)::int % 20 <> 3`;
        await tx`analyze rotation_consumers`;
        lateCampaign = await explain(tx);
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    return { statement: read.query.replace(/\n\s+/g, '\n  ').trim(), benchData, lateCampaign };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

class RolledBack extends Error {}
