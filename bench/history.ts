import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { configFromObject } from '../src/config/load.js';
import { connect } from '../src/db/connect.js';
import { inHistoryTransaction, recordResolutions, recordSnapshots } from '../src/db/snapshots.js';
import { runChaser } from './chaser-process.js';
import { BENCH_NOW, createScratchDatabase, resetChaserState, seedInventory } from './scratch-db.js';

/**
 * `npm run bench:history -- [consumers]` (default 1,000,000): the campaign-history parts at scale.
 * - the snapshot query (one set-based aggregate over the inventory, written per run), 3 runs;
 * - the resolutions statements, once with 10 % of the nudged consumers newly confirmed, once with
 *   nothing new (the steady state of a daily sweep);
 * - `chaser evidence` for one campaign holding every consumer (answers included): wall time and peak RSS of the CLI.
 * The snapshot and the steady-state resolutions are timed both on the pool and in
 * inHistoryTransaction (as recordHistory runs them). BENCH_HISTORY_NO_EVIDENCE=1 skips evidence.
 * Prints a Markdown table for BENCHMARKS.md.
 */
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url) throw new Error('set TEST_DATABASE_URL to a server whose user may CREATE DATABASE');
  const consumers = Number(process.argv[2] ?? 1_000_000);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const db = await createScratchDatabase(admin, url);
  const dir = mkdtempSync(join(tmpdir(), 'chaser-bench-history-'));
  const sql = connect(db.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 0, max: 2 });
  const rows: string[] = [];
  try {
    // The CLI migrates: .build/ has no sql/ beside it, dist/ has.
    const migrated = await runChaser(['migrate'], { cwd: dir, env: { DATABASE_URL: db.url }, verbose: false });
    if (migrated.exitCode !== 0) throw new Error(`migrate exited ${migrated.exitCode}: ${migrated.stderrTail.join('\n')}`);
    log(`seeding ${consumers} consumers`);
    const t0 = performance.now();
    await seedInventory(sql, { label: String(consumers), consumers, teams: Math.max(1, Math.round(consumers / 100)) });
    // One campaign holding every consumer: evidence's worst case.
    await sql`update rotation_consumers set key_id = 'kms/bench-key-0'`;
    const { previouslyNudged } = await resetChaserState(sql);
    const [run] = await sql<{ id: string }[]>`insert into chaser_runs (command, as_of) values ('sweep', ${BENCH_NOW}) returning id::text`;
    const runId = run!.id;
    await sql`
      insert into chaser_nudge_log (run_id, consumer_id, team, tier, channel, message_ts, nudged_at)
      select ${runId}::bigint, s.consumer_id, c.owner_team, 'gentle', 'C0BENCH0001', '1700000000.' || lpad(row_number() over ()::text, 6, '0'), s.last_nudged_at
      from chaser_nudge_state s join rotation_consumers c on c.id = s.consumer_id`;
    await sql`vacuum analyze rotation_consumers, chaser_nudge_state, chaser_nudge_log`;
    log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${previouslyNudged} nudged consumers`);

    const config = configFromObject({}, 'bench');
    // Each measured twice, interleaved so both see the same machine: as a plain statement on the
    // pool (how every sweep ran them before), and as recordHistory runs them now, inside
    // inHistoryTransaction (JIT off, work_mem 32MB).
    const ways = {
      pool: <T>(work: (tx: typeof sql) => Promise<T>) => work(sql),
      tuned: <T>(work: (tx: typeof sql) => Promise<T>) => inHistoryTransaction(sql, work),
    };
    const snapshotMs: Record<keyof typeof ways, number[]> = { pool: [], tuned: [] };
    for (let i = 0; i < 3; i++) {
      for (const way of ['pool', 'tuned'] as const) {
        const [each] = await sql<
          { id: string }[]
        >`insert into chaser_runs (command, as_of) values ('sweep', ${BENCH_NOW}) returning id::text`;
        const started = performance.now();
        await ways[way]((tx) =>
          recordSnapshots(tx, config.source, {
            runId: each!.id,
            command: 'sweep',
            now: BENCH_NOW,
            tiers: config.tiers,
            hasSnoozedUntil: true,
          }),
        );
        snapshotMs[way].push(performance.now() - started);
      }
    }
    const times = (ms: number[]) => `${ms.map((m) => m.toFixed(0)).join(' / ')} ms`;
    rows.push(
      `| snapshot query (1 campaign, ${consumers.toLocaleString('en')} consumers), 3 runs: pool → inHistoryTransaction | ${times(snapshotMs.pool)} → ${times(snapshotMs.tuned)} |`,
    );

    await sql`update rotation_consumers set status = 'confirmed' where id in (select consumer_id from chaser_nudge_state where hashint4(substr(consumer_id, 2)::int) % 10 = 0)`;
    await sql`vacuum analyze rotation_consumers`;
    const started = performance.now();
    const resolved = await recordResolutions(sql, config.source, { runId, now: BENCH_NOW });
    rows.push(
      `| resolutions, ${resolved.toLocaleString('en')} newly resolved of ${previouslyNudged.toLocaleString('en')} nudged | ${(performance.now() - started).toFixed(0)} ms |`,
    );
    const steadyMs: Record<keyof typeof ways, number[]> = { pool: [], tuned: [] };
    let again = 0;
    for (let i = 0; i < 3; i++) {
      for (const way of ['pool', 'tuned'] as const) {
        const t0 = performance.now();
        again += await ways[way]((tx) => recordResolutions(tx, config.source, { runId, now: BENCH_NOW }));
        steadyMs[way].push(performance.now() - t0);
      }
    }
    rows.push(
      `| resolutions, steady state (${again} new), 3 runs: pool → inHistoryTransaction | ${times(steadyMs.pool)} → ${times(steadyMs.tuned)} |`,
    );
    if (process.env['BENCH_HISTORY_NO_EVIDENCE']) {
      process.stdout.write(`| step | time |\n| --- | --- |\n${rows.join('\n')}\n`);
      return;
    }

    // Answers for answers.csv: one all-keys thread per team chased, a "done" for one nudged
    // consumer in ten, and one reply naming no consumer per thread.
    await sql`
      insert into chaser_threads (team, campaign, channel, parent_ts, opened_at, opened_run_id)
      select team, '', 'C0BENCH0001', '1600000000.' || lpad(row_number() over (order by team)::text, 6, '0'), ${BENCH_NOW}::timestamptz - interval '10 days', ${runId}::bigint
      from (select distinct team from chaser_nudge_log) as teams`;
    const answered = await sql`
      insert into chaser_ack_events (thread_id, team, consumer_id, kind, source, actor, message_ts, body, run_id, recorded_at)
      select t.id, t.team, l.consumer_id, 'done', 'reply', 'U0BENCH0001', '1700000001.' || lpad(l.id::text, 6, '0'), 'done ' || l.consumer_id, ${runId}::bigint, ${BENCH_NOW}::timestamptz - interval '1 day'
      from chaser_nudge_log l join chaser_threads t on t.team = l.team
      where l.id % 10 = 0
      union all
      select t.id, t.team, null, 'response', 'reply', 'U0BENCH0001', '1700000002.' || lpad(t.id::text, 6, '0'), 'on it', ${runId}::bigint, ${BENCH_NOW}::timestamptz - interval '1 day'
      from chaser_threads t`;
    await sql`vacuum analyze chaser_threads, chaser_ack_events`;
    log(`${answered.count} answers recorded`);
    writeFileSync(join(dir, 'chaser.config.json'), '{}');
    await sql.end({ timeout: 5 });
    const evidence = await runChaser(['evidence', '--key', 'kms/bench-key-0', '--out', join(dir, 'pack')], {
      cwd: dir,
      env: { DATABASE_URL: db.url },
      verbose: false,
    });
    if (evidence.exitCode !== 0) throw new Error(`evidence exited ${evidence.exitCode}: ${evidence.stderrTail.join('\n')}`);
    rows.push(
      `| \`chaser evidence\`, ${consumers.toLocaleString('en')} consumers + ${previouslyNudged.toLocaleString('en')} nudges + ${answered.count.toLocaleString('en')} answers | ${(evidence.wallMs / 1000).toFixed(1)} s wall, peak RSS ${evidence.peakRssMb.toFixed(0)} MB |`,
    );
    const verify = await runChaser(['evidence', '--verify', join(dir, 'pack')], { cwd: dir, env: {}, verbose: false });
    rows.push(
      `| \`chaser evidence --verify\` of that pack | ${(verify.wallMs / 1000).toFixed(1)} s wall, peak RSS ${verify.peakRssMb.toFixed(0)} MB, exit ${verify.exitCode} |`,
    );
    process.stdout.write(`| step | time |\n| --- | --- |\n${rows.join('\n')}\n`);
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
    await db.drop();
    await admin.end({ timeout: 5 });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
