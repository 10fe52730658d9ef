import { DEFAULT_TABLE } from '../config/defaults.js';
import type { Config } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import { describeDbError, describeTarget, untilFirstContact, type Sql } from '../db/connect.js';
import { assertSchemaCurrent, findMissingTables } from '../db/schema-version.js';
import { countLastSeenValues, findSweepIndex, inspectSource, type SourceShape } from '../db/source.js';
import { countStatuses, countUnknownStatuses } from '../db/statuses.js';
import { listOutstandingTeams } from '../db/teams.js';
import { describeUnknownStatuses, showStatus, withNearMisses } from '../policy/statuses.js';
import { readDatabaseClock } from '../db/clock.js';
import { CLOCK_SKEW_MS, formatExactInstant } from '../policy/time.js';
import type { Redact } from '../redact.js';
import { fail, pass, quotedList, skip, warn, type Check } from './checks.js';

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
  let deadlineKind: SourceShape['deadlineKind'] = 'instant';
  let lastSeenKind: SourceShape['lastSeenKind'] = null;
  try {
    if (!migrated && config.source.table === DEFAULT_TABLE && (await findMissingTables(sql, [DEFAULT_TABLE])).length > 0) {
      // The default inventory table is created by `chaser migrate`: its absence on an unmigrated
      // database is the same finding as above (69, like a sweep), not a config mistake (78).
      checks.push(
        fail(
          'database',
          'source table and mapped columns',
          ExitCode.unavailable,
          `table ${DEFAULT_TABLE} does not exist yet`,
          `run \`chaser migrate\` (it creates ${DEFAULT_TABLE}), or set source.table to your inventory table`,
        ),
      );
    } else {
      const shape = await inspectSource(sql, config.source);
      hasSource = true;
      deadlineKind = shape.deadlineKind;
      lastSeenKind = shape.lastSeenKind;
      checks.push(
        pass(
          'database',
          'source table and mapped columns',
          `${shape.table}${shape.hasSnoozedUntil ? '' : ' (no snoozedUntil column: snoozing off)'}` +
            `${evidenceNote(config, shape)}${timeNotes(shape)}`,
        ),
      );
    }
  } catch (error) {
    checks.push(asCheck('source table and mapped columns', error));
  }
  if (migrated) {
    try {
      const clock = await readDatabaseClock(sql, CLOCK_SKEW_MS);
      checks.push(
        clock.futureNudges === 0
          ? pass('database', 'no nudge recorded in the future', `database clock ${formatExactInstant(clock.now)}`)
          : warn(
              'database',
              'no nudge recorded in the future',
              `${clock.futureNudges} consumer(s) have a nudge dated after the database's clock (latest ${formatExactInstant(clock.latestFutureNudge!)}): they are not nudged again until then`,
              'a sweep ran with --now ahead; set chaser_nudge_state.last_nudged_at back to the real instant of those nudges (see chaser_nudge_log)',
            ),
      );
    } catch (error) {
      checks.push(asCheck('no nudge recorded in the future', error));
    }
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
        : warn(
            'database',
            "index for the sweep's read",
            `no index on ${table} leads with ${columns.status} or ${columns.deadline}; large tables are read in full`,
            `create index on ${table.split('.').map(quoteIfNeeded).join('.')} (${quoteIfNeeded(columns.status)}, ${quoteIfNeeded(columns.deadline)})`,
          ),
    );
  } catch (error) {
    checks.push(asCheck("index for the sweep's read", error));
  }
  if (lastSeenKind !== null) {
    try {
      checks.push(await checkLastSeenValues(sql, config, lastSeenKind));
    } catch (error) {
      checks.push(asCheck('lastSeenOnOldKey values', error));
    }
  }
  try {
    checks.push(await checkStatusValues(sql, config, now, deadlineKind));
  } catch (error) {
    checks.push(asCheck('status values', error));
  }
  let teams: string[];
  try {
    teams = await listOutstandingTeams(sql, config.source, now, deadlineKind);
  } catch (error) {
    checks.push(asCheck('every team with outstanding consumers is routed', error));
    return checks;
  }
  const unrouted = teams.filter((team) => !Object.hasOwn(config.teams, team));
  if (unrouted.length === 0) {
    checks.push(pass('database', 'every team with outstanding consumers is routed', `${teams.length} team(s)`));
  } else if (config.fallbackChannel) {
    checks.push(
      warn(
        'database',
        'every team with outstanding consumers is routed',
        `${unrouted.length} team(s) go to fallbackChannel ${config.fallbackChannel}: ${quotedList(unrouted)}`,
        `add them under "teams" to reach them in their own channel`,
      ),
    );
  } else {
    checks.push(
      fail(
        'database',
        'every team with outstanding consumers is routed',
        ExitCode.config,
        `${unrouted.length} team(s) have no channel and there is no fallbackChannel: ${quotedList(unrouted)}`,
        'add each under "teams" in the config, or set fallbackChannel (until then they are only listed in the digest)',
      ),
    );
  }
  return checks;
}

/** The evidence column's values: a value chaser cannot read is unknown evidence for its row (advice, not a failure). */
async function checkLastSeenValues(sql: Sql, config: Config, kind: NonNullable<SourceShape['lastSeenKind']>): Promise<Check> {
  const column = config.source.columns.lastSeenOnOldKey ?? '';
  const { set, unreadable } = await countLastSeenValues(sql, config.source, kind);
  if (unreadable === 0)
    return pass('database', 'lastSeenOnOldKey values', `${set} row(s) with a last-seen time in ${quoteIfNeeded(column)}`);
  return warn(
    'database',
    'lastSeenOnOldKey values',
    `${unreadable} of ${set} value(s) in ${quoteIfNeeded(column)} are not an instant chaser can read (an infinity, or text that is not ISO 8601): ` +
      'their evidence is unknown, those consumers are chased as if no column were mapped',
    kind === 'text' ? 'write ISO 8601 (2026-03-09 14:10, with an optional zone; none = UTC) or NULL' : 'write a finite timestamp or NULL',
  );
}

/**
 * The statuses the inventory holds, with counts, against the configured vocabulary: a status in
 * neither list is never treated as done, so the run would report it and keep the gate failing.
 * Failing here (78, a config mismatch) is what makes `pendingStatuses: ["todo"]` on a table of
 * `TODO` visible before the first run, with the near miss named.
 */
async function checkStatusValues(sql: Sql, config: Config, now: Date, deadlineKind: SourceShape['deadlineKind']): Promise<Check> {
  const { pendingStatuses, doneStatuses, columns } = config.source;
  const census = await countStatuses(sql, config.source);
  const roleOf = (status: string | null) =>
    status !== null && pendingStatuses.includes(status) ? 'pending' : status !== null && doneStatuses.includes(status) ? 'done' : 'neither';
  const shown = census.statuses.map((entry) => `${showStatus(entry.status)} ×${entry.rows} (${roleOf(entry.status)})`);
  const found = `${shown.join(', ')}${census.distinct > shown.length ? `, and ${census.distinct - shown.length} more` : ''}`;
  const unknown = withNearMisses(await countUnknownStatuses(sql, config.source, { now, deadlineKind }), [
    ...pendingStatuses,
    ...doneStatuses,
  ]);
  if (unknown.rows === 0) return pass('database', 'status values', census.distinct === 0 ? 'the table is empty' : found);
  return fail(
    'database',
    'status values',
    ExitCode.config,
    `${unknown.rows} row(s) have a ${columns.status} in neither pendingStatuses nor doneStatuses, so they are never treated as done ` +
      `and keep the gate failing: ${describeUnknownStatuses(unknown)}; found: ${found}`,
    `add each to source.pendingStatuses or source.doneStatuses exactly as stored (case and spaces count); configured: pending ${pendingStatuses.map(showStatus).join(', ')}; done ${doneStatuses.map(showStatus).join(', ')}`,
  );
}

/** With lastSeenOnOldKey mapped, what it is used for (inspectSource has checked the column exists and is a time). */
function evidenceNote(config: Config, shape: SourceShape): string {
  const column = config.source.columns.lastSeenOnOldKey;
  // Not mapped: nothing to say (the line stays as it was before evidence existed).
  if (column === undefined || shape.lastSeenKind === null) return '';
  return `; evidence from ${quoteIfNeeded(column)}: a claim still seen on the old key re-escalates, quiet for ${config.answers.quietFor} looks done`;
}

/** How time columns that are not timestamptz are read, so nobody has to guess the zone. */
function timeNotes(shape: SourceShape): string {
  const note = (key: string, kind: SourceShape['deadlineKind'] | null) =>
    kind === 'local'
      ? `${key} has no time zone: read as UTC`
      : kind === 'text'
        ? `${key} is text: read as ISO 8601 (no zone = UTC), unreadable values reported`
        : '';
  const notes = [
    note('deadline', shape.deadlineKind),
    note('snoozedUntil', shape.snoozedUntilKind),
    note('lastSeenOnOldKey', shape.lastSeenKind),
  ].filter((n) => n !== '');
  return notes.length === 0 ? '' : `; ${notes.join('; ')}`;
}

/** A name as it must be typed in psql: mixed case (which chaser keeps, quoting every identifier) needs quotes. */
function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
