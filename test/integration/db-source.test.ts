import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE } from '../../src/config/defaults.js';
import type { SourceConfig } from '../../src/config/types.js';
import { findSweepIndex, inspectSource } from '../../src/db/source.js';
import { ChaserError } from '../../src/exit-codes.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';

/** A team's existing inventory: another schema, other names, an integer id, no snooze column. */
const INVENTORY: SourceConfig = {
  table: 'inventory.consumers',
  columns: {
    id: 'consumer_no',
    name: 'service',
    team: 'team_key',
    keyId: 'credential',
    status: 'state',
    deadline: 'due_at',
    snoozedUntil: 'snoozed_until',
  },
  pendingStatuses: ['pending'],
  doneStatuses: ['confirmed', 'exempt'],
};

function mapped(overrides: Partial<SourceConfig['columns']>, table = INVENTORY.table): SourceConfig {
  return { ...INVENTORY, table, columns: { ...INVENTORY.columns, ...overrides } };
}

async function configError(promise: Promise<unknown>): Promise<ChaserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChaserError);
  expect((error as ChaserError).exitCode).toBe(78);
  return error as ChaserError;
}

describe(`inspectSource / findSweepIndex on ${backend}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
    await db.sql`create schema inventory`;
    await db.sql`create table inventory.consumers (
      consumer_no integer primary key, service text, team_key varchar(40), credential text,
      state varchar(16) not null, due_at timestamp, owner_email text)`;
    await db.sql`create table inventory.epoch_deadlines (id text, name text, team text, key text, status text, deadline bigint)`;
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('accepts the default table created by migrate, with snoozing', async () => {
    await expect(inspectSource(db.sql, DEFAULT_SOURCE)).resolves.toEqual({
      table: 'public.rotation_consumers',
      hasSnoozedUntil: true,
      idIsUnique: true,
      deadlineKind: 'instant',
      snoozedUntilKind: 'instant',
      lastSeenKind: null,
    });
  });

  it('accepts a mapped table in another schema; a missing snoozedUntil column just means no snoozing', async () => {
    await expect(inspectSource(db.sql, INVENTORY)).resolves.toEqual({
      table: 'inventory.consumers',
      hasSnoozedUntil: false,
      idIsUnique: true,
      deadlineKind: 'local', // timestamp without time zone: read as UTC
      snoozedUntilKind: null,
      lastSeenKind: null,
    });
  });

  it('reads a mapped lastSeenOnOldKey column by its type; missing or not a time, it is a config error naming the key', async () => {
    await db.sql`create table inventory.seen (
      consumer_no integer primary key, service text, team_key text, credential text, state text, due_at timestamptz,
      last_used timestamptz, last_used_day date, last_used_text text, last_used_count integer)`;
    const seen = (lastSeenOnOldKey: string) => ({ ...mapped({ lastSeenOnOldKey }), table: 'inventory.seen' });
    await expect(inspectSource(db.sql, seen('last_used'))).resolves.toMatchObject({ lastSeenKind: 'instant' });
    await expect(inspectSource(db.sql, seen('last_used_day'))).resolves.toMatchObject({ lastSeenKind: 'local' });
    await expect(inspectSource(db.sql, seen('last_used_text'))).resolves.toMatchObject({ lastSeenKind: 'text' });
    const missing = await configError(inspectSource(db.sql, seen('last_seen')));
    expect(missing.message).toBe('source.columns.lastSeenOnOldKey: column "last_seen" does not exist in table "inventory.seen"');
    expect(missing.details.at(-1)).toContain('last_used, last_used_day, last_used_text, last_used_count');
    const notTime = await configError(inspectSource(db.sql, seen('last_used_count')));
    expect(notTime.message).toBe(
      'source.columns.lastSeenOnOldKey: column "last_used_count" of table "inventory.seen" has type integer; ' +
        'chaser needs timestamptz, timestamp, date or ISO 8601 text',
    );
  });

  it('says whether the id column is unique: only then may the planner skip its duplicate check', async () => {
    const noKey = mapped(
      { id: 'id', name: 'name', team: 'team', keyId: 'key', status: 'status', deadline: 'id' },
      'inventory.epoch_deadlines',
    );
    await db.sql`create table inventory.no_key (id text, name text, team text, key text, status text, deadline timestamptz)`;
    const shape = await inspectSource(db.sql, { ...noKey, table: 'inventory.no_key', columns: { ...noKey.columns, deadline: 'deadline' } });
    expect(shape.idIsUnique).toBe(false);
    await db.sql`create unique index on inventory.no_key (id) where status = 'pending'`; // partial: duplicates still possible
    expect(
      (await inspectSource(db.sql, { ...noKey, table: 'inventory.no_key', columns: { ...noKey.columns, deadline: 'deadline' } }))
        .idIsUnique,
    ).toBe(false);
    await db.sql`create unique index on inventory.no_key (id)`;
    expect(
      (await inspectSource(db.sql, { ...noKey, table: 'inventory.no_key', columns: { ...noKey.columns, deadline: 'deadline' } }))
        .idIsUnique,
    ).toBe(true);
  });

  it('names a missing table with its config path', async () => {
    const error = await configError(inspectSource(db.sql, mapped({}, 'inventory.consumer')));
    expect(error.message).toBe('source.table: table "inventory.consumer" does not exist');
  });

  it('does not find a table outside the search_path when the name is not schema-qualified', async () => {
    const error = await configError(inspectSource(db.sql, mapped({}, 'consumers')));
    expect(error.message).toBe('source.table: table "consumers" does not exist');
    expect(error.details.join('\n')).toContain('schema-qualified');
  });

  it('names every missing column with its config path, and lists the columns that do exist', async () => {
    const error = await configError(inspectSource(db.sql, mapped({ team: 'team', keyId: 'key_id' })));
    expect(error.message).toBe('source.columns.team: column "team" does not exist in table "inventory.consumers"');
    expect(error.details[0]).toBe('source.columns.keyId: column "key_id" does not exist in table "inventory.consumers"');
    expect(error.details.at(-1)).toContain('consumer_no, service, team_key, credential, state, due_at, owner_email');
  });

  it('compares names exactly: a column spelled in another case is missing', async () => {
    const error = await configError(inspectSource(db.sql, mapped({ status: 'State' })));
    expect(error.message).toBe('source.columns.status: column "State" does not exist in table "inventory.consumers"');
  });

  it('refuses a deadline column that is not a time', async () => {
    const source: SourceConfig = {
      table: 'inventory.epoch_deadlines',
      columns: {
        id: 'id',
        name: 'name',
        team: 'team',
        keyId: 'key',
        status: 'status',
        deadline: 'deadline',
        snoozedUntil: 'snoozed_until',
      },
      pendingStatuses: ['pending'],
      doneStatuses: ['confirmed', 'exempt'],
    };
    const error = await configError(inspectSource(db.sql, source));
    expect(error.message).toBe(
      'source.columns.deadline: column "deadline" of table "inventory.epoch_deadlines" has type bigint; chaser needs timestamptz, timestamp, date or ISO 8601 text',
    );
  });

  it('finds the sweep index of the default table', async () => {
    await expect(findSweepIndex(db.sql, DEFAULT_SOURCE)).resolves.toBe('rotation_consumers_sweep_idx');
  });

  it('reports no sweep index when the leading column of every index is something else', async () => {
    // The primary key leads with consumer_no: no help to the sweep's filter.
    await expect(findSweepIndex(db.sql, INVENTORY)).resolves.toBeNull();
    await db.sql`create index inventory_due_idx on inventory.consumers (due_at)`;
    await expect(findSweepIndex(db.sql, INVENTORY)).resolves.toBe('inventory_due_idx');
    await db.sql`create index inventory_state_due_idx on inventory.consumers (state, due_at)`;
    await expect(findSweepIndex(db.sql, INVENTORY)).resolves.toBe('inventory_state_due_idx');
  });
});
