import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, runChaser, type ChaserRun } from './chaser-process.js';
import { median } from './startup.js';
import type * as ConfigLoad from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import type * as Connect from '../src/db/connect.js';
import type * as Embedded from '../src/db/embedded.js';
import type * as EmbeddedTemplate from '../src/db/embedded-template.js';
import type * as DemoConfig from '../src/demo/config.js';
import type * as Seed from '../src/demo/seed.js';
import type * as Log from '../src/log.js';
import type * as RunPipeline from '../src/pipeline/run-pipeline.js';
import type * as Redact from '../src/redact.js';
import type * as Human from '../src/report/human.js';

/** The --now of every demo run here (the one the demo's recorded output uses). */
const DEMO_NOW = '2026-12-01T09:00:00Z';

export interface DemoTiming {
  /** A first run on an empty cache: builds the template (initdb + migrate), then runs. */
  cold: ChaserRun;
  /** Runs on the cache the cold run left. */
  warm: ChaserRun[];
  warmMedian: { wallMs: number; peakRssMb: number; cpuMs: number };
  /** In-process costs of each step of the demo (current dist/ only), ms. */
  steps?: Record<string, number>;
}

/**
 * `chaser dry-run --demo` as a user runs it: once on an empty template cache ($XDG_CACHE_HOME in a
 * temp dir), then `runs` times on the cache that left. Works for --cli builds that have no
 * template at all (each run is then the cold path): compare their medians.
 */
export async function timeDemo(runs: number): Promise<DemoTiming> {
  const cache = mkdtempSync(join(tmpdir(), 'chaser-bench-cache-'));
  const cwd = mkdtempSync(join(tmpdir(), 'chaser-bench-demo-'));
  try {
    const run = () => runChaser(['dry-run', '--demo', '--now', DEMO_NOW], { cwd, env: { XDG_CACHE_HOME: cache }, verbose: false });
    const cold = await run();
    if (cold.exitCode !== 3) throw new Error(`dry-run --demo exited ${cold.exitCode}:\n${cold.stderrTail.join('\n')}`);
    const warm: ChaserRun[] = [];
    for (let i = 0; i < runs; i += 1) warm.push(await run());
    return {
      cold,
      warm,
      warmMedian: {
        wallMs: median(warm.map((r) => r.wallMs)),
        peakRssMb: median(warm.map((r) => r.peakRssMb)),
        cpuMs: median(warm.map((r) => r.userCpuMs + r.systemCpuMs)),
      },
    };
  } finally {
    rmSync(cache, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** A module of the built dist/ (what a user runs), typed by its source. */
async function fromDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(REPO_ROOT, 'dist', path)).href)) as T;
}

/**
 * Each step of the demo, timed in this process against the built dist/: the template's build
 * (initdb, migrate, writing the cache file), what a warm run does (verify the file, boot PGlite from
 * it, seed, read + plan, render). The wasm compilation is paid by the first boot here; a user's run
 * pays it on every run (inside "warm boot").
 */
export async function demoSteps(): Promise<Record<string, number>> {
  const [
    { startEmbeddedPostgres, templateBuilder },
    tpl,
    { seedDemo },
    { demoConfigInput },
    { configFromObject },
    { connect },
    { runPipeline },
    { writeDryRun },
    { createLog },
    { createRedactor },
  ] = await Promise.all([
    fromDist<typeof Embedded>('db/embedded.js'),
    fromDist<typeof EmbeddedTemplate>('db/embedded-template.js'),
    fromDist<typeof Seed>('demo/seed.js'),
    fromDist<typeof DemoConfig>('demo/config.js'),
    fromDist<typeof ConfigLoad>('config/load.js'),
    fromDist<typeof Connect>('db/connect.js'),
    fromDist<typeof RunPipeline>('pipeline/run-pipeline.js'),
    fromDist<typeof Human>('report/human.js'),
    fromDist<typeof Log>('log.js'),
    fromDist<typeof Redact>('redact.js'),
  ]);
  const steps: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await fn();
    steps[name] = performance.now() - started;
    return value;
  };
  const cache = mkdtempSync(join(tmpdir(), 'chaser-bench-steps-'));
  try {
    const empty: Uint8Array = await timed('initdb (empty template)', () => templateBuilder.initdb());
    const migrated: Uint8Array = await timed('migrate (boot empty + migrations + dump)', () =>
      templateBuilder.migrateFrom(new Blob([empty])),
    );
    steps['template size, MB'] = migrated.byteLength / 1e6;
    // Through the cache, as a user's first run does (builds both again and writes them).
    await timed('first run: build both + write the cache + boot', async () =>
      (await startEmbeddedPostgres({ env: {}, cacheDir: cache })).stop(),
    );
    const key = await tpl.templateKey('migrated');
    const file = tpl.templateFile(cache, 'migrated', key);
    await timed('verify the cached template (sha256)', () => tpl.verifyTemplate(file, key));
    const embedded = await timed('warm boot: verify + load template + socket', () => startEmbeddedPostgres({ env: {}, cacheDir: cache }));
    const now = new Date(DEMO_NOW);
    try {
      const sql = connect(embedded.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 1 });
      await timed('seed the sample campaign', () => seedDemo(sql, now));
      await sql.end();
      const base = configFromObject(demoConfigInput, 'the built-in demo config');
      const config: Config = { ...base, database: { ...base.database, url: embedded.url } };
      const redact = createRedactor([]);
      const env = {
        log: createLog({ verbosity: 'quiet', json: false, write: () => {}, redact }),
        redact,
        signal: new AbortController().signal,
      };
      const result = await timed('read + plan (runPipeline, dry-run)', () =>
        runPipeline(env, { command: 'dry-run', config, now, failOn: 'outstanding', digest: true }),
      );
      let bytes = 0;
      await timed('render (writeDryRun)', () => {
        writeDryRun(result, {}, (text: string) => (bytes += text.length));
        return Promise.resolve(bytes);
      });
    } finally {
      await embedded.stop();
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  return steps;
}

/** `npm test` (vitest run) with TEST_DATABASE_URL unset or set: wall time of the whole suite. */
export async function timeSuite(databaseUrl: string | undefined): Promise<{ wallMs: number; exitCode: number | null }> {
  const env = { ...process.env };
  delete env['TEST_DATABASE_URL'];
  if (databaseUrl) env['TEST_DATABASE_URL'] = databaseUrl;
  const started = performance.now();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
    cwd: REPO_ROOT,
    env,
    stdio: 'ignore',
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { wallMs: performance.now() - started, exitCode };
}
