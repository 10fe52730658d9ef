import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from './config/duration.js';
import { ChaserError, ExitCode, SIGNAL_EXIT, type StopSignal } from './exit-codes.js';
import { createLog, type Verbosity } from './log.js';
import { parseInstant } from './policy/time.js';
import { createRedactor, passwordOf } from './redact.js';
import type { CommandContext, CommonOptions, RunOptions } from './commands/context.js';
import type { RunMode } from './run/types.js';
import type { SimulateOptions } from './commands/simulate.js';

/**
 * The only file that touches process: argv, env, stdio, signals, the exit code. Commands are
 * loaded lazily so `chaser --help` never pays for Slack, Postgres or the config validator.
 */
// package.json is the one place the package's name and its issue tracker are written.
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string; bugs: { url: string } };
const { version } = pkg;
const REPORT_URL = pkg.bugs.url;

// A batch job should not hold several times its live heap. By default V8 lets the old generation
// grow to up to 4x what survived the last full collection before collecting again: a 1M-consumer
// sweep with ~90 MB live peaked at 529 MB RSS. Growing by 30 % instead, it peaks at 279 MB, for
// a CPU cost within run-to-run noise (BENCHMARKS.md). V8 reads this flag whenever it sets a new
// limit, so setting it here takes effect; a --heap-growing-percent given to node is left alone.
if (!process.execArgv.some((arg) => arg.replaceAll('_', '-').startsWith('--heap-growing-percent')))
  setFlagsFromString('--heap-growing-percent=30');

// A reader that stops early (`chaser dry-run | head -1`) closes the pipe: the next write fails with
// EPIPE, which Node raises as an uncaught error. A closed stdout or stderr is not chaser's failure:
// output to it stops quietly and the run ends with its own exit code (so with `set -o pipefail`
// a gate still sees 3 while consumers remain, never a 0 it did not earn).
const closed = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr'] as const) {
  process[name].on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    closed[name] = true;
  });
}
const writeOut = (text: string) => {
  if (!closed.stdout) process.stdout.write(text);
};
const writeErr = (text: string) => {
  if (!closed.stderr) process.stderr.write(text);
};

const env = process.env;
const redact = createRedactor([env['SLACK_BOT_TOKEN'], env['PGPASSWORD'], ...passwordOf(env['DATABASE_URL'])]);
const controller = new AbortController();
let signalExit: number | undefined;

function onSignal(signal: StopSignal) {
  const code = SIGNAL_EXIT[signal];
  if (signalExit !== undefined) process.exit(code); // a second signal: the operator insists
  signalExit = code;
  writeErr(`chaser: ${signal} received: finishing the message in flight, sending no more\n`);
  controller.abort(signal); // the reason names the signal: the run reports which one stopped it
}
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

function contextFor(options: CommonOptions & { json?: boolean }): CommandContext {
  const verbosity: Verbosity = options.verbose ? 'verbose' : options.quiet ? 'quiet' : 'normal';
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  const log = createLog({
    verbosity,
    json: verbosity === 'verbose' && !stderrIsTTY,
    write: writeErr,
    redact,
  });
  return {
    env,
    cwd: process.cwd(),
    stdout: (text) => writeOut(redact(text)),
    stderr: (text) => writeErr(redact(text)),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY,
    log,
    redact,
    signal: controller.signal,
    version,
  };
}

let lastContext: CommandContext | undefined;
async function execute(command: string, options: CommonOptions & { json?: boolean }, task: (ctx: CommandContext) => Promise<ExitCode>) {
  const ctx = contextFor(options);
  lastContext = ctx;
  try {
    process.exitCode = await task(ctx);
  } catch (error) {
    const code = exitCodeFor(error);
    // --json promises one object on stdout, failures included, so a CI step can always parse it.
    if (options.json) {
      const message = error instanceof ChaserError ? error.message : 'internal error (a bug in chaser)';
      const details = error instanceof ChaserError ? error.details : [];
      ctx.stdout(`${JSON.stringify({ command, error: message, details, exitCode: code }, null, 2)}\n`);
    }
    process.exitCode = code;
  }
}

function parseNow(value: string): Date {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
  return parsed.instant;
}

function parseRate(value: string): number {
  const rate = /^\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(rate >= 0 && rate <= 1))
    throw new InvalidArgumentError('expected a number from 0 to 1, like 0.2 (a fifth of the outstanding consumers confirm each day).');
  return rate;
}

function parseEvery(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError('expected a positive duration like "1h" or "24h".');
  return ms;
}

/** commander's parse of simulate's flags: --every arrives as `every`, already in milliseconds. */
type SimulateCliOptions = Omit<SimulateOptions, 'everyMs'> & { every?: number };

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function withCommonOptions(command: Command): Command {
  return (
    command
      // The program's --version already works after a command; declaring it here puts it in the command's --help too.
      .version(version, '--version', 'print the version')
      .option('--config <path>', 'config file (default: searched from the current directory; or CHASER_CONFIG)')
      .option('-q, --quiet', 'print only errors')
      .option('-v, --verbose', 'log every step on stderr (JSON lines when stderr is not a terminal)')
  );
}

function withRunOptions(command: Command): Command {
  return withCommonOptions(command)
    .option('--json', 'print one machine-readable result on stdout')
    .addOption(
      new Option(
        '--now <iso-8601>',
        'evaluate as of this instant instead of the clock (with Z or an offset; a date alone is UTC midnight)',
      ).argParser(parseNow),
    )
    .option('--fail-on <outstanding|never|TIER>', 'exit 3 when anything is outstanding (default), never, or only at this tier or later')
    .option('--team <key>', 'only this team (repeatable)', collect)
    .option('--key <key_id>', 'only consumers of this revoked key (one rotation campaign)');
}

const program = new Command('chaser')
  .description('Chases the teams whose services still use a revoked key, in Slack, until they move.')
  .version(version, '--version', 'print the version')
  .helpOption('-h, --help', 'show help')
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({
    writeOut,
    writeErr,
  })
  .addHelpText(
    'after',
    `
Exit codes:
  0 nothing outstanding (at or above --fail-on)   3 consumers remain outstanding
  4 some Slack deliveries failed                  64 usage error
  65 evidence --verify: pack altered/incomplete   69 Postgres or Slack unavailable
  70 internal error (a bug)                       75 another sweep holds the lock
  78 configuration invalid                        130 / 143 stopped by SIGINT / SIGTERM

Environment: DATABASE_URL, SLACK_BOT_TOKEN, SLACK_API_URL, CHASER_CONFIG, NO_COLOR, FORCE_COLOR
First run: chaser dry-run --demo`,
  );

const runAction = (name: RunMode) => async (options: RunOptions) =>
  execute(name, options, async (ctx) => (await import('./commands/run-command.js')).runCommand(ctx, name, options));

withRunOptions(program.command('sweep').description('nudge every team with overdue consumers, record it, send the digest'))
  .option('--no-digest', 'do not send the digest')
  .action(runAction('sweep'));

withRunOptions(program.command('digest').description('send only the digest of everything outstanding to the security lead')).action(
  runAction('digest'),
);

withRunOptions(program.command('dry-run').description('print every message a sweep would send; post nothing, write nothing'))
  .option('--no-digest', 'preview as a sweep --no-digest would run (no digest destination needed)')
  .option('--demo', 'run on an embedded database seeded with a sample campaign (no Postgres, Slack or config needed)')
  .action(runAction('dry-run'));

withCommonOptions(
  program
    .command('simulate')
    .description(
      'time travel: what the ladder would send (escalations and budget holds too), to whom and when, over the next days; posts nothing, writes nothing',
    ),
)
  .option('--json', 'print one machine-readable result on stdout')
  .addOption(new Option('--from <iso-8601>', 'start of the simulated range (default: now)').argParser(parseNow))
  .addOption(new Option('--to <iso-8601>', 'end of the simulated range (default: 30 days after --from)').argParser(parseNow))
  .option('--team <key>', 'only this team (repeatable)', collect)
  .option('--key <key_id>', 'only consumers of this revoked key (one rotation campaign)')
  .option('--consumer <id>', 'only this consumer (repeatable)', collect)
  .addOption(
    new Option('--confirm-rate <0..1>', 'chance per day that an outstanding consumer confirms (default 0: nobody does)').argParser(
      parseRate,
    ),
  )
  .addOption(
    new Option('--every <duration>', 'the schedule assumed: a sweep every … (default 1h; "24h" for a daily job)').argParser(parseEvery),
  )
  .action(async (options: SimulateCliOptions) =>
    execute('simulate', options, async (ctx) =>
      (await import('./commands/simulate.js')).simulateCommand(ctx, {
        ...options,
        ...(options.every !== undefined ? { everyMs: options.every } : {}),
      }),
    ),
  );

withCommonOptions(program.command('migrate').description("create or upgrade chaser's tables (sql/NNNN_*.sql, once each)")).action(
  async (options: CommonOptions) =>
    execute('migrate', options, async (ctx) => (await import('./commands/migrate.js')).migrateCommand(ctx, options)),
);

withCommonOptions(
  program.command('doctor').description('check config, database and Slack before turning chaser on; one line per check with the fix'),
).action(async (options: CommonOptions) =>
  execute('doctor', options, async (ctx) => (await import('./commands/doctor.js')).doctorCommand(ctx, options)),
);

function withHistoryOptions(command: Command): Command {
  return withCommonOptions(command)
    .option('--key <key_id>', 'only this campaign (revoked key)')
    .addOption(new Option('--from <iso-8601>', 'only history from this instant or date on').argParser(parseNow))
    .addOption(new Option('--to <iso-8601>', 'only history up to this instant or date').argParser(parseNow));
}

withHistoryOptions(
  program.command('report').description("campaign history from chaser's tables: scope, done, outstanding by tier, projected finish, teams"),
)
  .option('--json', 'print one machine-readable result on stdout')
  .option('--csv', 'print one CSV row per campaign per day')
  .option('--html <file>', 'write one self-contained HTML page with charts (no JavaScript, no external assets)')
  .action(async (options: import('./commands/report.js').ReportOptions) =>
    execute('report', options, async (ctx) => (await import('./commands/report.js')).reportCommand(ctx, options)),
  );

withHistoryOptions(program.command('evidence').description('write an audit pack for one campaign (--key, --out), or check one (--verify)'))
  .option('--out <dir>', 'the directory to write (new or empty)')
  .option('--force', 'replace a non-empty --out directory (only once the new pack is complete)')
  .option('--verify <dir>', 'check a pack against its manifest: exit 0 valid, 65 altered or incomplete')
  .option('--json', 'print one machine-readable result on stdout')
  .action(async (options: import('./commands/evidence.js').EvidenceOptions) =>
    execute('evidence', options, async (ctx) => (await import('./commands/evidence.js')).evidenceCommand(ctx, options)),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}
if (signalExit !== undefined) process.exitCode = signalExit;

function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // Help and --version are not errors; everything else commander rejects is a usage error.
    if (error.exitCode === 0) return ExitCode.ok;
    return ExitCode.usage;
  }
  const log = lastContext?.log ?? contextFor({}).log;
  if (error instanceof ChaserError) {
    if (log.json) {
      log.error(error.message, error.details.length > 0 ? { details: error.details } : undefined);
    } else {
      log.error(error.message);
      for (const detail of error.details) writeErr(redact(`  ${detail}\n`));
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = `this is a bug in chaser (${pkg.name} ${version}); please report it at ${REPORT_URL} with the output of -v`;
  const stack = log.verbosity === 'verbose' && error instanceof Error ? error.stack : undefined;
  if (log.json) {
    log.error(`internal error: ${message}`, { hint, ...(stack ? { stack } : {}) });
    return ExitCode.internal;
  }
  log.error(`internal error: ${message}`);
  writeErr(`  ${hint}\n`);
  if (stack) writeErr(redact(`${stack}\n`));
  return ExitCode.internal;
}
