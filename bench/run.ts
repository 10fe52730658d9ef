import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { DEFAULT_SLACK } from '../src/config/defaults.js';
import { connect, type Sql as ChaserSql } from '../src/db/connect.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { chaserEntry, REPO_ROOT, runChaser, useChaserEntry, type ChaserRun } from './chaser-process.js';
import { writeBenchConfig, type BenchConfig } from './config-file.js';
import { sampleBackendCpu, type BackendCpuSampler } from './backend-cpu.js';
import { withCpuShare } from './cpu-share.js';
import { explainSweepRead } from './explain.js';
import { floorRead, floorWrite, timeSortedRead } from './floor.js';
import { parseBenchOptions, type BenchOptions, type BenchSize } from './options.js';
import { printReport } from './report.js';
import { replayRead, replayReadAndPlan, replayWrites } from './replay.js';
import {
  BENCH_NOW,
  createScratchDatabase,
  expectedWork,
  resetChaserState,
  seedInventory,
  sessionsOpened,
  waitForNoSessions,
  type ScratchDatabase,
} from './scratch-db.js';
import { slackTimeline } from './slack-timeline.js';
import { timeStartup } from './startup.js';
import { demoSteps, timeDemo, timeSuite } from './demo.js';
import type { BenchResults, CliRun, SizeResult, SweepRun } from './results.js';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function main(): Promise<void> {
  const parsed = parseBenchOptions(process.argv.slice(2), process.env);
  if ('help' in parsed) {
    process.stdout.write(`${parsed.help}\n`);
    return;
  }
  const options = parsed;
  if (options.cli) useChaserEntry(resolve(options.cli));
  const admin = postgres(options.url, { max: 1, onnotice: () => {} });
  try {
    const results: BenchResults = {
      startedAt: new Date().toISOString(),
      machine: await describeMachine(admin),
      options: { ...withoutUrl(options), concurrencyUsed: options.concurrency ?? DEFAULT_SLACK.concurrency },
      sizes: [],
      build: { atStart: newestBuildFile(), atEnd: '' },
    };
    log(`${results.machine.cpus} CPUs (${results.machine.cpuModel}), Node ${results.machine.node}, PostgreSQL ${results.machine.postgres}`);
    if (!options.skipStartup) {
      log(`startup: node -e 0 vs chaser --help, ${options.startupRuns} runs each`);
      results.startup = await timeStartup(options.startupRuns);
    }
    if (options.demoRuns > 0) {
      log(`dry-run --demo: one cold run (empty template cache), ${options.demoRuns} warm`);
      results.demo = await timeDemo(options.demoRuns);
      // The steps import this checkout's dist/, so they describe it even when --cli points elsewhere.
      if (!options.cli) results.demo.steps = await demoSteps();
      gc();
    }
    if (options.suite) {
      log('test suite on PGlite (vitest run, TEST_DATABASE_URL unset): a few minutes');
      results.suite = await timeSuite(undefined);
    }
    for (const size of options.sizes) {
      results.sizes.push(await benchSize(admin, size, options));
      gc();
    }
    results.build.atEnd = newestBuildFile();
    if (results.build.atEnd !== results.build.atStart)
      log(`warning: dist/ changed during the run (${results.build.atStart} → ${results.build.atEnd}): the sizes measured different builds`);
    const out = resolve(REPO_ROOT, options.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    printReport(results, (text) => process.stdout.write(text));
    log(`raw results: ${out}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function benchSize(admin: postgres.Sql, size: BenchSize, options: BenchOptions): Promise<SizeResult> {
  log(`── ${size.label}: ${size.consumers} consumers, ${size.teams} teams`);
  const db = await createScratchDatabase(admin, options.url);
  const dir = mkdtempSync(join(tmpdir(), 'chaser-bench-'));
  try {
    const concurrency = options.concurrency ?? DEFAULT_SLACK.concurrency;
    const bench = writeBenchConfig(dir, size, options.concurrency);
    const env = { DATABASE_URL: db.url };
    const migrated = await runChaser(['migrate'], { cwd: dir, env, verbose: false });
    if (migrated.exitCode !== 0) throw new Error(`chaser migrate exited ${migrated.exitCode}:\n${migrated.stderrTail.join('\n')}`);

    const seedStarted = performance.now();
    await withPool(db, (sql) => seedInventory(sql, size));
    const seedMs = performance.now() - seedStarted;
    const { outstanding, due } = await withPool(db, expectedWork);
    log(`seeded in ${(seedMs / 1000).toFixed(1)} s: ${outstanding} outstanding, ${due} due`);

    const reset = () => withPool(db, resetChaserState);
    const { previouslyNudged } = await reset();
    // Warm the caches once, untimed, so the first measured step does not pay for a cold table.
    await withPool(db, (sql) => floorRead(sql));

    // Each DB-only step runs twice from the same state; the faster run counts (for the floor and chaser alike).
    log('floor: plain read, then one set-based write');
    const floorReads = [];
    const floorWrites = [];
    for (let i = 0; i < 2; i += 1) {
      await reset();
      floorReads.push(await measured(admin, db, floorRead));
      floorWrites.push(await measured(admin, db, floorWrite));
    }
    const floorReadBest = best(floorReads, (r) => r.result.readMs);
    const floorWriteBest = best(floorWrites, (r) => r.result.writeMs);
    const floor = {
      read: { ms: floorReadBest.result.readMs, cpuMs: floorReadBest.cpuMs },
      write: { ms: floorWriteBest.result.writeMs, cpuMs: floorWriteBest.cpuMs },
      total: {
        ms: floorReadBest.result.readMs + floorWriteBest.result.writeMs,
        cpuMs: floorReadBest.cpuMs + floorWriteBest.cpuMs,
      },
      rowsRead: floorReadBest.result.rows,
      rowsWritten: floorWriteBest.result.rows,
    };
    await reset();

    log('floor read + ORDER BY');
    const sorted = await measured(admin, db, (sql) => timeSortedRead(sql));
    log("chaser's read (readOverdueConsumers), rows dropped");
    const reads = [];
    for (let i = 0; i < 2; i += 1) reads.push(await measured(admin, db, (sql) => replayRead(sql, bench.config), chaserPool));
    const readBest = best(reads, (r) => r.result.readMs);
    log("chaser's read + planner, in process");
    const readAndPlan = await measured(admin, db, (sql) => replayReadAndPlan(sql, bench.config), chaserPool);
    if (readAndPlan.result.due !== due)
      throw new Error(`chaser's planner found ${readAndPlan.result.due} consumers due, the data has ${due}`);
    gc();

    log('chaser dry-run');
    const dryRun = await cliRun(admin, db, () =>
      runChaser(['dry-run', '--now', BENCH_NOW.toISOString()], { cwd: dir, env, verbose: false }),
    );
    checkExit('dry-run', dryRun);

    log("chaser's writes (recordNudges per team), sequential");
    const writes = [];
    for (let i = 0; i < 2; i += 1) {
      await reset();
      writes.push(await measured(admin, db, (sql) => replayWrites(sql, (team) => bench.channelByTeam.get(team) ?? 'CUNKNOWN'), chaserPool));
    }
    const writeBest = best(writes, (r) => r.result.writeMs);
    if (writeBest.result.rows !== floor.rowsWritten) {
      throw new Error(
        `chaser's writes recorded ${writeBest.result.rows} consumers, the floor ${floor.rowsWritten}: the two do not do the same work`,
      );
    }

    const fast = { latencyMs: 0, enforceChannelRate: false, retryAfterChannels: 0, retryAfterSeconds: 0, concurrency };
    const sweepRun = async (what: string, slackOptions: SweepSlack, verbose: boolean, nodeArgs: string[] = []) => {
      await reset();
      log(`chaser sweep: ${what}`);
      const run = await sweepOnce(admin, db, bench, dir, slackOptions, { verbose, nodeArgs });
      if (nodeArgs.length === 0) checkWork(what, run, due);
      return run;
    };
    const sweepFast = await sweepRun('fake Slack at 0 ms, no rate rule', fast, false);
    const sweepFastVerbose = await sweepRun('fake Slack at 0 ms, no rate rule, -v', fast, true);
    const sweepFastCapped =
      options.heapCapMb === undefined
        ? undefined
        : {
            ...(await sweepRun(`fake Slack at 0 ms, node --max-old-space-size=${options.heapCapMb}`, fast, false, [
              `--max-old-space-size=${options.heapCapMb}`,
            ])),
            heapCapMb: options.heapCapMb,
          };
    const paced = {
      latencyMs: options.latencyMs,
      enforceChannelRate: true,
      retryAfterChannels: options.retryAfterChannels,
      retryAfterSeconds: options.retryAfterSeconds,
    };
    const sweep = await sweepRun(
      `fake Slack at ${options.latencyMs} ms, 1 post/s/channel enforced, ${options.retryAfterChannels} channel(s) answered 429, concurrency ${concurrency}`,
      { ...paced, concurrency },
      false,
    );
    const sweepAtOtherConcurrency: SweepRun[] = [];
    for (const other of options.extraConcurrency) {
      writeBenchConfig(dir, size, other);
      sweepAtOtherConcurrency.push(await sweepRun(`as above, concurrency ${other}`, { ...paced, concurrency: other }, false));
    }
    writeBenchConfig(dir, size, options.concurrency);

    await reset();
    log('EXPLAIN (ANALYZE, BUFFERS) of the sweep read');
    const plans = await explainSweepRead(db.url, bench.config);

    const result: SizeResult = {
      size,
      seedMs,
      outstanding,
      due,
      previouslyNudged,
      floor,
      sortedRead: { ms: sorted.result.readMs, cpuMs: sorted.cpuMs },
      chaserSql: {
        read: { ms: readBest.result.readMs, cpuMs: readBest.cpuMs },
        writes: { ms: writeBest.result.writeMs, cpuMs: writeBest.cpuMs },
        total: { ms: readBest.result.readMs + writeBest.result.writeMs, cpuMs: readBest.cpuMs + writeBest.cpuMs },
        writeStatements: writeBest.result.statements,
      },
      readAndPlan: { ms: readAndPlan.result.ms, cpuMs: readAndPlan.cpuMs },
      dryRun,
      sweepFast,
      sweepFastVerbose,
      ...(sweepFastCapped ? { sweepFastCapped } : {}),
      sweep,
      sweepAtOtherConcurrency,
      plans,
    };
    log(
      `floor ${fmt(floor.total.ms)} · chaser SQL ${fmt(result.chaserSql.total.ms)} · dry-run ${fmt(dryRun.wallMs)} · ` +
        `sweep(0 ms) ${fmt(sweepFast.wallMs)} · sweep(${options.latencyMs} ms) ${fmt(sweep.wallMs)}, Slack phase ${fmt(sweep.slack.phaseMs)} · ` +
        `peak RSS ${Math.max(dryRun.peakRssMb, sweepFast.peakRssMb, sweep.peakRssMb).toFixed(0)} MB`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (options.keep) log(`kept database ${db.name}`);
    else await db.drop();
  }
}

interface SweepSlack {
  latencyMs: number;
  enforceChannelRate: boolean;
  retryAfterChannels: number;
  retryAfterSeconds: number;
  /** What the config file says (for the record; the file is written by the caller). */
  concurrency: number;
}

async function sweepOnce(
  admin: postgres.Sql,
  db: ScratchDatabase,
  bench: BenchConfig,
  dir: string,
  slackOptions: SweepSlack,
  chaser: { verbose: boolean; nodeArgs: string[] },
): Promise<SweepRun> {
  const slack = await startFakeSlack({
    token: 'xoxb-bench-token',
    latencyMs: slackOptions.latencyMs,
    enforceChannelRate: slackOptions.enforceChannelRate,
    channels: bench.channels,
  });
  try {
    // channels[0] is the digest's; the first team channels get one 429 each on their first post.
    for (const spec of bench.channels.slice(1, 1 + slackOptions.retryAfterChannels)) {
      slack.fail('chat.postMessage', { status: 429, retryAfter: slackOptions.retryAfterSeconds }, { channel: spec.id });
    }
    const run = await cliRun(admin, db, () =>
      runChaser(['sweep', '--now', BENCH_NOW.toISOString()], {
        cwd: dir,
        env: { DATABASE_URL: db.url, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.url },
        ...chaser,
      }),
    );
    // A run under a heap cap may die of it: that is its result, not the bench's failure.
    if (chaser.nodeArgs.length === 0) checkExit('sweep', run);
    const { nudgedRecorded, recordStatements } = await withPool(db, async (sql) => {
      const [row] = await sql<{ nudged: number; statements: number }[]>`
        select (select coalesce(max(nudged), 0)::int from chaser_runs where command = 'sweep') as nudged,
               (select count(distinct xmin::text)::int from chaser_nudge_log) as statements`;
      return { nudgedRecorded: row?.nudged ?? 0, recordStatements: row?.statements ?? 0 };
    });
    return {
      ...run,
      concurrency: slackOptions.concurrency,
      latencyMs: slackOptions.latencyMs,
      nudgedRecorded,
      recordStatements,
      slack: slackTimeline(slack.requests, slackOptions.latencyMs, slackOptions.retryAfterSeconds * 1000),
    };
  } finally {
    await slack.close();
  }
}

/** A pool on the scratch database opened for one step and ended after it (its backend then flushes its statistics). */
async function withPool<T>(db: ScratchDatabase, step: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = db.open();
  try {
    return await step(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** chaser's own pool settings (connect()), for the steps that call chaser's db functions. */
function chaserPool(db: ScratchDatabase): ChaserSql {
  return connect(db.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 3_600_000 });
}

/** Runs a step on a fresh pool and returns its result with the server's CPU time for it. */
async function measured<T>(
  admin: postgres.Sql,
  db: ScratchDatabase,
  step: (sql: postgres.Sql) => Promise<T>,
  pool: (db: ScratchDatabase) => postgres.Sql = (d) => d.open(),
): Promise<{ result: T; cpuMs: number }> {
  const { result, dbCpuMs } = await counted(admin, db, async (sampler) => {
    const sql = pool(db);
    try {
      const value = await step(sql);
      await sampler.sample(); // the backends' last readings, before the pool closes them
      return value;
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
  return { result, cpuMs: dbCpuMs };
}

/** Runs a chaser process and adds what the server and the machine did meanwhile. */
async function cliRun(admin: postgres.Sql, db: ScratchDatabase, run: () => Promise<ChaserRun>): Promise<CliRun> {
  gc();
  const { result, dbCpuMs, sessions } = await counted(admin, db, () =>
    withCpuShare(run, (chaser) => chaser.userCpuMs + chaser.systemCpuMs),
  );
  return { ...result.result, dbCpuMs, sessions, cpu: result.cpu };
}

/** Runs a step while sampling the scratch database's backends; also counts the connections it opened. */
async function counted<T>(
  admin: postgres.Sql,
  db: ScratchDatabase,
  run: (sampler: BackendCpuSampler) => Promise<T>,
): Promise<{ result: T; dbCpuMs: number; sessions: number }> {
  await waitForNoSessions(admin, db.name);
  const before = await sessionsOpened(admin, db.name);
  const sampler = sampleBackendCpu(admin, db.name);
  let result: T;
  let dbCpuMs: number;
  try {
    result = await run(sampler);
  } finally {
    dbCpuMs = await sampler.stop();
  }
  await waitForNoSessions(admin, db.name);
  return { result, dbCpuMs, sessions: (await sessionsOpened(admin, db.name)) - before };
}

function best<T>(runs: T[], cost: (run: T) => number): T {
  return runs.reduce((a, b) => (cost(b) < cost(a) ? b : a));
}

function checkExit(what: string, run: ChaserRun): void {
  // 3 = ran cleanly, consumers remain outstanding: what every run over the bench data should say.
  if (run.exitCode !== 3) throw new Error(`chaser ${what} exited ${run.exitCode}, expected 3:\n${run.stderrTail.join('\n')}`);
}

function checkWork(what: string, run: SweepRun, due: number): void {
  if (run.nudgedRecorded !== due) throw new Error(`chaser sweep (${what}) recorded ${run.nudgedRecorded} nudges, expected ${due}`);
}

async function describeMachine(admin: postgres.Sql): Promise<BenchResults['machine']> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memKb = Number(/^MemTotal:\s*(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const [row] = await admin<{ version: string }[]>`select current_setting('server_version') as version`;
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGb: Math.round(memKb / 1024 / 1024),
    node: process.version,
    postgres: row?.version ?? '?',
  };
}

/** mtime of the newest file in the dist/ next to the measured bin/chaser.js. */
function newestBuildFile(): string {
  const dist = resolve(dirname(chaserEntry()), '..', 'dist');
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(dist);
  return new Date(newest).toISOString();
}

function withoutUrl(options: BenchOptions): Omit<BenchOptions, 'url'> {
  const { url: _url, ...rest } = options;
  return rest;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
