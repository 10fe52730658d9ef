import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built binary, exactly as a user runs it (bin/chaser.js → dist/); --cli points elsewhere. */
let cli = join(REPO_ROOT, 'bin', 'chaser.js');
export const chaserEntry = (): string => cli;
export function useChaserEntry(path: string): void {
  cli = path;
}
/** report-rss.js sits next to this file once compiled (.build/bench/). */
const USAGE_REPORTER = pathToFileURL(fileURLToPath(new URL('./report-rss.js', import.meta.url))).href;

export interface ChaserRun {
  exitCode: number | null;
  /** Spawn to exit, as the scheduler sees it (Node's own startup included). */
  wallMs: number;
  /** Peak resident set of the chaser process (getrusage), MB. */
  peakRssMb: number;
  userCpuMs: number;
  systemCpuMs: number;
  /** From the `run stats` line chaser logs at debug level (-v only); undefined without it. */
  queries: number | undefined;
  slackCalls: number | undefined;
  /** Lines chaser wrote to stderr, and the last few of them (for failures). */
  stderrLines: number;
  stderrTail: string[];
  /** msg → count of the JSON log lines, to see what -v logged how often. */
  logCounts: Record<string, number>;
}

/**
 * Runs the built CLI once with a preloaded reporter for peak RSS and CPU. With `verbose`, -v: stderr
 * (not a TTY) then carries JSON log lines, one of them the run's stats; timed runs go without it,
 * as a scheduler runs chaser. stdout goes to /dev/null: dry-run prints every message, and the bench
 * measures producing it, not a terminal drawing it.
 */
export async function runChaser(
  args: string[],
  options: { cwd: string; env: Record<string, string>; verbose: boolean; nodeArgs?: string[] },
): Promise<ChaserRun> {
  const dir = mkdtempSync(join(tmpdir(), 'chaser-bench-usage-'));
  const usageFile = join(dir, 'usage.json');
  const env = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...options.env, CHASER_BENCH_USAGE_FILE: usageFile };
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', USAGE_REPORTER, cli, ...args, ...(options.verbose ? ['-v'] : [])],
    {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderrLines = 0;
  const tail: string[] = [];
  const logCounts: Record<string, number> = {};
  let stats: { queries?: unknown; slackCalls?: unknown } | undefined;
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    stderrLines += 1;
    tail.push(line);
    if (tail.length > 15) tail.shift();
    if (!line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; queries?: unknown; slackCalls?: unknown };
      const msg = typeof entry.msg === 'string' ? entry.msg.replace(/^(nudged|slack: \S+) .*/, '$1 …') : '?';
      logCounts[msg] = (logCounts[msg] ?? 0) + 1;
      if (entry.msg === 'run stats') stats = entry;
    } catch {
      // a plain line (commander's own output): counted, not parsed
    }
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const wallMs = performance.now() - started;
  let usage = { maxRssKb: Number.NaN, userCpuMs: Number.NaN, systemCpuMs: Number.NaN };
  try {
    usage = JSON.parse(readFileSync(usageFile, 'utf8')) as typeof usage;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    exitCode,
    wallMs,
    peakRssMb: usage.maxRssKb / 1024,
    userCpuMs: usage.userCpuMs,
    systemCpuMs: usage.systemCpuMs,
    queries: typeof stats?.queries === 'number' ? stats.queries : undefined,
    slackCalls: typeof stats?.slackCalls === 'number' ? stats.slackCalls : undefined,
    stderrLines,
    stderrTail: tail,
    logCounts,
  };
}

/** Wall time of one short process, spawn to exit. */
export async function timeProcess(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' }, stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  return performance.now() - started;
}
