import { resolveTeamCalendars } from '../calendar/team-calendars.js';
import { connect, describeDbError, untilFirstContact } from '../db/connect.js';
import { readOverdueConsumers } from '../db/consumers.js';
import { assertSchemaCurrent } from '../db/schema-version.js';
import { inspectSource } from '../db/source.js';
import { ChaserError, ExitCode } from '../exit-codes.js';
import type { ConsumerRow } from '../policy/types.js';
import { passwordOf } from '../redact.js';
import { renderSimulation, simulationJson } from '../report/simulate.js';
import { simulate } from '../simulate/simulate.js';
import { loadCommandConfig } from './command-config.js';
import type { CommandContext, CommonOptions } from './context.js';

export interface SimulateOptions extends CommonOptions {
  json?: boolean;
  from?: Date;
  to?: Date;
  team?: string[];
  key?: string;
  consumer?: string[];
  confirmRate?: number;
  /** The schedule assumed, in ms (--every, default hourly). */
  everyMs?: number;
}

const DEFAULT_DAYS = 30;
/** A guard against a typo like --to 2062: a year of hourly runs is ~8,800 plans. */
const MAX_RUNS = 20_000;

/**
 * `chaser simulate`: reads the inventory and chaser's state once (read-only), then runs the pure
 * simulation; writes nothing, posts nothing, needs no Slack token.
 */
export async function simulateCommand(ctx: CommandContext, options: SimulateOptions): Promise<ExitCode> {
  const from = options.from ?? new Date();
  const to = options.to ?? new Date(from.getTime() + DEFAULT_DAYS * 86_400_000);
  const everyMs = options.everyMs ?? 3_600_000;
  if (to.getTime() < from.getTime())
    throw new ChaserError(ExitCode.usage, '--to is before --from', ['give --to later than --from (default: 30 days after it)']);
  if ((to.getTime() - from.getTime()) / everyMs > MAX_RUNS) {
    throw new ChaserError(ExitCode.usage, `--from … --to at --every ${everyMs} ms is more than ${MAX_RUNS} runs`, [
      'shorten the range or use a longer --every',
    ]);
  }
  const { config } = await loadCommandConfig(ctx, options);
  for (const password of passwordOf(config.database.url)) ctx.redact.add(password);
  const sql = connect(config.database.url, {
    connectTimeoutSeconds: config.database.connectTimeoutSeconds,
    statementTimeoutMs: config.database.statementTimeoutMs,
  });
  const rows: ConsumerRow[] = [];
  try {
    await guard(ctx, () => untilFirstContact(sql, () => assertSchemaCurrent(sql)));
    const source = await guard(ctx, () => inspectSource(sql, config.source));
    const wanted = options.consumer?.length ? new Set(options.consumer) : undefined;
    await guard(ctx, async () => {
      // Everything overdue by the end of the range: consumers whose deadline falls inside it join on the way.
      for await (const batch of readOverdueConsumers(sql, config.source, {
        now: to,
        hasSnoozedUntil: source.hasSnoozedUntil,
        ...(options.team?.length ? { teams: options.team } : {}),
        ...(options.key ? { keyId: options.key } : {}),
      })) {
        for (const row of batch) if (!wanted || wanted.has(row.id)) rows.push(row);
      }
    });
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
  const result = simulate({
    rows,
    options: {
      tiers: config.tiers,
      teams: config.teams,
      ...(config.fallbackChannel ? { fallbackChannel: config.fallbackChannel } : {}),
      pendingStatuses: config.source.pendingStatuses,
      calendars: resolveTeamCalendars(config),
    },
    from,
    to,
    everyMs,
    confirmRate: options.confirmRate ?? 0,
    pacing: config,
  });
  if (options.json) ctx.stdout(`${JSON.stringify(simulationJson(result), null, 2)}\n`);
  else if (!options.quiet) ctx.stdout(renderSimulation(result));
  return ExitCode.ok;
}

async function guard<T>(ctx: CommandContext, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ChaserError) throw error;
    throw describeDbError(error, ctx.redact) ?? error;
  }
}
