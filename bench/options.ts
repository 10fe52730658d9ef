import { parseArgs } from 'node:util';

export interface BenchSize {
  /** As written on the command line ("100k/2000"), for tables. */
  label: string;
  consumers: number;
  teams: number;
}

export interface BenchOptions {
  /** A server URL whose user may CREATE DATABASE; the bench works in a scratch database of its own. */
  url: string;
  sizes: BenchSize[];
  /** Fake Slack round-trip latency of the paced sweep, ms. */
  latencyMs: number;
  /** slack.concurrency written into the config; undefined = chaser's default. */
  concurrency: number | undefined;
  /** When set, one more 0 ms sweep with node --max-old-space-size=<MB>: the RSS a heap cap buys. */
  heapCapMb: number | undefined;
  /** More paced sweeps, one per value: what the Slack phase does at other concurrencies. */
  extraConcurrency: number[];
  /** Runs of `node -e 0` and of `chaser --help` each. */
  startupRuns: number;
  /** Channels whose first post is answered 429 with this Retry-After, to watch the other channels keep going. */
  retryAfterChannels: number;
  retryAfterSeconds: number;
  /** Where the raw results go as JSON. */
  out: string;
  /** Leave the scratch databases in place (for poking at them afterwards). */
  keep: boolean;
  skipStartup: boolean;
  /** The chaser entry point to run; default the repository's bin/chaser.js (which runs dist/). */
  cli: string | undefined;
  /** Warm runs of `dry-run --demo` after the cold one (0: no demo timing). */
  demoRuns: number;
  /** Also time `npm test`'s suite on PGlite (TEST_DATABASE_URL unset): minutes, so only when asked. */
  suite: boolean;
}

export const DEFAULT_SIZES = '10k/100,100k/2000,1M/10000';

const USAGE = `npm run bench -- [options]
  --url <postgres url>        server to benchmark on (default: TEST_DATABASE_URL); needs CREATEDB
  --sizes <list>              consumers/teams pairs (default ${DEFAULT_SIZES})
  --latency <ms>              fake Slack latency for the paced sweep (default 30)
  --concurrency <n>           slack.concurrency for chaser (default: chaser's own default)
  --extra-concurrency <list>  also run the paced sweep at these concurrencies, e.g. 4,16 (default none)
  --heap-cap <MB>             also run the 0 ms sweep under node --max-old-space-size=<MB> (default none)
  --startup-runs <n>          runs of \`node -e 0\` and \`chaser --help\` each (default 20)
  --retry-after-channels <n>  channels answered 429 on their first post (default 3)
  --retry-after <s>           the Retry-After they get (default 2)
  --out <file>                raw results as JSON (default .bench/results.json)
  --keep                      do not drop the scratch databases
  --skip-startup              skip the --help timing
  --cli <path>                the chaser entry to run (default bin/chaser.js): to compare two builds
  --demo-runs <n>             warm runs of dry-run --demo after a cold one (default 7; 0 skips the demo)
  --suite                     also time the test suite on PGlite (vitest run, TEST_DATABASE_URL unset)
  --sizes none                only the startup, demo and suite figures`;

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | { help: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      sizes: { type: 'string' },
      latency: { type: 'string' },
      concurrency: { type: 'string' },
      'extra-concurrency': { type: 'string' },
      'heap-cap': { type: 'string' },
      'startup-runs': { type: 'string' },
      'retry-after-channels': { type: 'string' },
      'retry-after': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      'skip-startup': { type: 'boolean' },
      cli: { type: 'string' },
      'demo-runs': { type: 'string' },
      suite: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return { help: USAGE };
  const url = values.url ?? env['TEST_DATABASE_URL'];
  if (!url) throw new Error(`no database: pass --url postgres://… or set TEST_DATABASE_URL\n\n${USAGE}`);
  return {
    url,
    sizes: parseSizes(values.sizes ?? DEFAULT_SIZES),
    latencyMs: count(values.latency ?? '30', '--latency'),
    concurrency: values.concurrency === undefined ? undefined : count(values.concurrency, '--concurrency'),
    heapCapMb: values['heap-cap'] === undefined ? undefined : count(values['heap-cap'], '--heap-cap'),
    extraConcurrency: (values['extra-concurrency'] ?? '')
      .split(',')
      .filter((part) => part.trim() !== '')
      .map((part) => count(part.trim(), '--extra-concurrency')),
    startupRuns: count(values['startup-runs'] ?? '20', '--startup-runs'),
    retryAfterChannels: count(values['retry-after-channels'] ?? '3', '--retry-after-channels'),
    retryAfterSeconds: count(values['retry-after'] ?? '2', '--retry-after'),
    out: values.out ?? '.bench/results.json',
    keep: values.keep ?? false,
    skipStartup: values['skip-startup'] ?? false,
    cli: values.cli,
    demoRuns: count(values['demo-runs'] ?? '7', '--demo-runs'),
    suite: values.suite ?? false,
  };
}

/** "10k/100,1M/10000" → sizes; k and M are decimal (10k = 10,000). */
export function parseSizes(text: string): BenchSize[] {
  if (text.trim() === 'none') return [];
  return text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)([kKmM]?)\s*\/\s*(\d+(?:\.\d+)?)([kKmM]?)\s*$/.exec(part);
    if (!match) throw new Error(`--sizes: "${part}" should look like 100k/2000 (consumers/teams)`);
    const consumers = scaled(match[1]!, match[2]!);
    const teams = scaled(match[3]!, match[4]!);
    if (teams < 1 || consumers < teams) throw new Error(`--sizes: "${part}" needs at least one consumer per team`);
    return { label: part.trim(), consumers, teams };
  });
}

function scaled(digits: string, suffix: string): number {
  const factor = suffix === '' ? 1 : suffix.toLowerCase() === 'k' ? 1_000 : 1_000_000;
  return Math.round(Number(digits) * factor);
}

function count(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${flag}: expected a whole number, got "${text}"`);
  return value;
}
