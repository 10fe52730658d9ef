import { DEFAULT_TABLE } from '../config/defaults.js';
import type { Config } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import { describeDbError, describeTarget, untilFirstContact, type Sql } from '../db/connect.js';
import { assertSchemaCurrent, findMissingTables } from '../db/schema-version.js';
import { findSweepIndex, inspectSource } from '../db/source.js';
import { listOutstandingTeams } from '../db/teams.js';
import type { Redact } from '../redact.js';
import { fail, pass, skip, warn, type Check } from './checks.js';

/** reachable → migrated and current → mapped table and columns → the sweep's index → routing coverage. */
export async function checkDatabase(sql: Sql, config: Config, now: Date, redact: Redact): Promise<Check[]> {
  const checks: Check[] = [];
  const asCheck = (name: string, error: unknown): Check => {
    const e = describeDbError(error, redact);
    if (!e) throw error; // not a user's doing: a bug, reported as such
    // Details are either more of the finding ("missing: chaser_runs", another bad column) or a
    // "fix: …" line: the first kind extends the ✗ line, the second goes under it.
    const findings = e.details.filter((d) => !d.startsWith('fix: '));
    const fixes = e.details.filter((d) => d.startsWith('fix: ')).map((d) => d.slice('fix: '.length));
    return fail('database', name, e.exitCode, [e.message, ...findings].join('; '), fixes.join('\n') || 'see the message');
  };

  try {
    await untilFirstContact(sql, () => sql`select 1`.execute());
    checks.push(pass('database', 'reachable', describeTarget(sql)));
  } catch (error) {
    checks.push(asCheck('reachable', error));
    return checks;
  }
  let migrated = false;
  try {
    const { version } = await assertSchemaCurrent(sql);
    migrated = true;
    checks.push(pass('database', 'schema migrated and current', `version ${version}`));
  } catch (error) {
    checks.push(asCheck('schema migrated and current', error));
  }
  let hasSource = false;
  try {
    if (!migrated && config.source.table === DEFAULT_TABLE && (await findMissingTables(sql, [DEFAULT_TABLE])).length > 0) {
      // The default inventory table is created by `chaser migrate`: its absence on an unmigrated
      // database is the same finding as above (69, like a sweep), not a config mistake (78).
      checks.push(fail('database', 'source table and mapped columns', ExitCode.unavailable,
        `table ${DEFAULT_TABLE} does not exist yet`,
        `run \`chaser migrate\` (it creates ${DEFAULT_TABLE}), or set source.table to your inventory table`));
    } else {
      const shape = await inspectSource(sql, config.source);
      hasSource = true;
      checks.push(
        pass('database', 'source table and mapped columns', `${shape.table}${shape.hasSnoozedUntil ? '' : ' (no snoozedUntil column: snoozing off)'}`),
      );
    }
  } catch (error) {
    checks.push(asCheck('source table and mapped columns', error));
  }
  if (!hasSource) {
    checks.push(skip('database', "index for the sweep's read", 'source table not usable'));
    return checks;
  }
  const { table, columns } = config.source;
  try {
    const index = await findSweepIndex(sql, config.source);
    checks.push(
      index
        ? pass('database', "index for the sweep's read", index)
        : warn('database', "index for the sweep's read", `no index on ${table} leads with ${columns.status} or ${columns.deadline}; large tables are read in full`,
            `create index on ${table.split('.').map(quoteIfNeeded).join('.')} (${quoteIfNeeded(columns.status)}, ${quoteIfNeeded(columns.deadline)})`),
    );
  } catch (error) {
    checks.push(asCheck("index for the sweep's read", error));
  }
  let teams: string[];
  try {
    teams = await listOutstandingTeams(sql, config.source, now);
  } catch (error) {
    checks.push(asCheck('every team with outstanding consumers is routed', error));
    return checks;
  }
  const unrouted = teams.filter((team) => !Object.hasOwn(config.teams, team));
  if (unrouted.length === 0) {
    checks.push(pass('database', 'every team with outstanding consumers is routed', `${teams.length} team(s)`));
  } else if (config.fallbackChannel) {
    checks.push(warn('database', 'every team with outstanding consumers is routed',
      `${unrouted.length} team(s) go to fallbackChannel ${config.fallbackChannel}: ${preview(unrouted)}`,
      `add them under "teams" to reach them in their own channel`));
  } else {
    checks.push(fail('database', 'every team with outstanding consumers is routed', ExitCode.config,
      `${unrouted.length} team(s) have no channel and there is no fallbackChannel: ${preview(unrouted)}`,
      'add each under "teams" in the config, or set fallbackChannel (until then they are only listed in the digest)'));
  }
  return checks;
}

/** A name as it must be typed in psql: mixed case (which chaser keeps, quoting every identifier) needs quotes. */
function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function preview(teams: string[]): string {
  const shown = teams.slice(0, 8).map((t) => JSON.stringify(t)).join(', ');
  return teams.length > 8 ? `${shown}, … and ${teams.length - 8} more` : shown;
}
