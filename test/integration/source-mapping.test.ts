import { beforeEach, describe, expect, it } from 'vitest';
import { backend } from '../support/db.js';
import { at, baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { HOUR_MS, NOW } from '../support/clock.js';

/**
 * An inventory that already exists under other names: chaser is pointed at it through the
 * config's `source` mapping, never by editing SQL. Ids of other types are keyed by their text
 * form in chaser's own tables.
 */

const ISO = NOW.toISOString();
const PENDING = ['todo', 'in_progress'];

/** The mapping for inventory.service_keys (below): every column renamed, no snoozing column. */
const serviceKeysSource = {
  table: 'inventory.service_keys',
  columns: { id: 'consumer_no', name: 'service', team: 'squad', keyId: 'kms_key', status: 'state', deadline: 'due_at' },
  pendingStatuses: PENDING,
  doneStatuses: ['done', 'wontfix'],
};

describe(`an existing inventory table mapped through source (${backend})`, () => {
  const s = useScenario();
  const stateRows = async () =>
    (
      await s.db.sql<{ consumer_id: string; nudge_count: number }[]>`
      select consumer_id, nudge_count from chaser_nudge_state order by consumer_id`
    ).map((r) => [r.consumer_id, r.nudge_count]);

  beforeEach(async () => {
    await s.db.sql`drop schema if exists inventory cascade`;
    await s.db.sql`create schema inventory`;
  });

  describe('schema-qualified, integer id, other pending statuses, no snoozed column', () => {
    beforeEach(async () => {
      await s.db.sql`create table inventory.service_keys (
        consumer_no integer primary key,
        service     text not null,
        squad       varchar(40) not null,
        kms_key     text not null,
        state       text not null,
        due_at      timestamptz not null
      )`;
      await s.db.sql`insert into inventory.service_keys ${s.db.sql([
        { consumer_no: 101, service: 'checkout-api', squad: 'payments', kms_key: 'kms/pay', state: 'todo', due_at: daysBefore(16) },
        { consumer_no: 102, service: 'refunds-worker', squad: 'payments', kms_key: 'kms/pay', state: 'in_progress', due_at: daysBefore(2) },
        { consumer_no: 103, service: 'ledger', squad: 'payments', kms_key: 'kms/pay', state: 'done', due_at: daysBefore(20) },
        { consumer_no: 201, service: 'indexer', squad: 'search', kms_key: 'kms/search', state: 'todo', due_at: daysBefore(5) },
        { consumer_no: 202, service: 'crawler', squad: 'search', kms_key: 'kms/search', state: 'wontfix', due_at: daysBefore(5) }, // done in this vocabulary
        { consumer_no: 301, service: 'sso', squad: 'identity', kms_key: 'kms/id', state: 'todo', due_at: at(2 * 24 * HOUR_MS) },
      ])}`;
      s.writeConfig({ ...baseConfig(), source: serviceKeysSource });
    });

    it('sweeps it without editing any SQL: the right consumers, nudges keyed by the id as text', async () => {
      const run = await s.run(['sweep', '--now', ISO, '--json']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(3);
      const result = JSON.parse(run.stdout) as {
        outstanding: number;
        teams: Array<{ team: string; consumers: string[]; delivered: boolean }>;
      };
      expect(result.outstanding).toBe(3);
      expect(result.teams.map((t) => [t.team, t.consumers, t.delivered])).toEqual(
        expect.arrayContaining([
          ['payments', ['101', '102'], true],
          ['search', ['201'], true],
        ]),
      );
      expect(result.teams).toHaveLength(2);

      const posts = s.slack.posts();
      const payments = JSON.stringify(posts.find((p) => p.channelId === CHANNELS.payments)?.blocks);
      expect(payments).toContain('checkout-api');
      expect(payments).toContain('refunds-worker');
      expect(payments).not.toContain('ledger');
      expect(JSON.stringify(posts.find((p) => p.channelId === CHANNELS.search)?.blocks)).not.toContain('crawler');

      expect(await stateRows()).toEqual([
        ['101', 1],
        ['102', 1],
        ['201', 1],
      ]);
      const log = await s.db.sql<{ consumer_id: string }[]>`select consumer_id from chaser_nudge_log order by consumer_id`;
      expect(log.map((r) => r.consumer_id)).toEqual(['101', '102', '201']);
    });

    it('remembers the nudges across runs through the text key (no second nudge before the cadence)', async () => {
      expect((await s.run(['sweep', '--now', ISO])).code).toBe(3);
      s.slack.reset();
      expect((await s.run(['sweep', '--now', at(HOUR_MS).toISOString()])).code).toBe(3);
      expect(s.slack.posts().map((p) => p.channelId)).toEqual([]); // no nudge due; the digest went out an hour ago
      expect(await stateRows()).toEqual([
        ['101', 1],
        ['102', 1],
        ['201', 1],
      ]);
    });

    it('stops chasing a consumer once its status leaves the pending list', async () => {
      await s.run(['sweep', '--now', ISO]);
      await s.db.sql`update inventory.service_keys set state = 'done' where consumer_no = 101`;
      const later = JSON.parse((await s.run(['dry-run', '--now', at(3 * 24 * HOUR_MS).toISOString(), '--json'])).stdout) as {
        teams: Array<{ team: string; consumers: string[] }>;
      };
      expect(later.teams.find((t) => t.team === 'payments')?.consumers).toEqual(['102']);
    });

    it('--team and --key filter on the mapped columns', async () => {
      const byKey = JSON.parse((await s.run(['dry-run', '--now', ISO, '--json', '--key', 'kms/search'])).stdout) as {
        outstanding: number;
        teams: Array<{ consumers: string[] }>;
      };
      expect(byKey.outstanding).toBe(1);
      expect(byKey.teams.map((t) => t.consumers)).toEqual([['201']]);
      const byTeam = JSON.parse((await s.run(['dry-run', '--now', ISO, '--json', '--team', 'payments'])).stdout) as { outstanding: number };
      expect(byTeam.outstanding).toBe(2);
    });

    it('doctor approves the mapping and says snoozing is off for a table without the column', async () => {
      const run = await s.run(['doctor']);
      expect(run.stdout).toMatch(/✓ source table and mapped columns — inventory\.service_keys \(no snoozedUntil column: snoozing off\)/);
      // This table has no index leading with state or due_at: a warning with the exact statement to run.
      expect(run.stdout).toContain('fix: create index on inventory.service_keys (state, due_at)');
      expect(run.code).toBe(0);
    });

    it('a mapped column that is not in the table is a config error naming the key (78), before anything is posted', async () => {
      s.writeConfig({ ...baseConfig(), source: { ...serviceKeysSource, columns: { ...serviceKeysSource.columns, keyId: 'kms_key_id' } } });
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(78);
      expect(run.stderr).toMatch(/source\.columns\.keyId: column "kms_key_id" does not exist in table "inventory\.service_keys"/);
      expect(run.stderr).toMatch(/existing columns: consumer_no, service, squad, kms_key, state, due_at/);
      expect(s.slack.posts()).toEqual([]);
    });
  });

  it('a uuid id, a date deadline, a mapped snoozed column and mixed-case column names', async () => {
    await s.db.sql`create table inventory."Consumers" (
      "ConsumerId"   uuid primary key,
      "DisplayName"  text not null,
      "OwnerTeam"    text not null,
      "KeyId"        text not null,
      "Status"       text not null,
      "DueDate"      date not null,
      "SnoozedUntil" timestamptz null
    )`;
    const ids = {
      due: '6f1c2a3b-0000-4000-8000-000000000001',
      snoozed: '6f1c2a3b-0000-4000-8000-000000000002',
      done: '6f1c2a3b-0000-4000-8000-000000000003',
    };
    await s.db.sql`insert into inventory."Consumers" ${s.db.sql([
      {
        ConsumerId: ids.due,
        DisplayName: 'billing-cron',
        OwnerTeam: 'payments',
        KeyId: 'kms/pay',
        Status: 'todo',
        DueDate: '2026-03-01',
        SnoozedUntil: null,
      },
      {
        ConsumerId: ids.snoozed,
        DisplayName: 'invoice-mailer',
        OwnerTeam: 'payments',
        KeyId: 'kms/pay',
        Status: 'todo',
        DueDate: '2026-03-01',
        SnoozedUntil: at(24 * HOUR_MS),
      },
      {
        ConsumerId: ids.done,
        DisplayName: 'old-batch',
        OwnerTeam: 'payments',
        KeyId: 'kms/pay',
        Status: 'confirmed',
        DueDate: '2026-02-01',
        SnoozedUntil: null,
      },
    ])}`;
    s.writeConfig({
      ...baseConfig(),
      source: {
        table: 'inventory.Consumers',
        columns: {
          id: 'ConsumerId',
          name: 'DisplayName',
          team: 'OwnerTeam',
          keyId: 'KeyId',
          status: 'Status',
          deadline: 'DueDate',
          snoozedUntil: 'SnoozedUntil',
        },
        pendingStatuses: PENDING,
      },
    });

    // doctor accepts it, and its index advice is a statement psql would run as printed (quoted names).
    const doctor = await s.run(['doctor']);
    expect(doctor.stdout).toMatch(/✓ source table and mapped columns — inventory\.Consumers; deadline has no time zone: read as UTC\n/);
    expect(doctor.stdout).toContain('fix: create index on inventory."Consumers" ("Status", "DueDate")');
    expect(doctor.code).toBe(0);

    const run = await s.run(['sweep', '--now', ISO, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    const result = JSON.parse(run.stdout) as { outstanding: number; teams: Array<{ team: string; tier: string; consumers: string[] }> };
    expect(result.outstanding).toBe(2); // the snoozed one is outstanding, just not nudged
    expect(result.teams).toEqual([expect.objectContaining({ team: 'payments', tier: 'urgent', consumers: [ids.due] })]);
    const post = s.slack.posts().find((p) => p.channelId === CHANNELS.payments);
    expect(JSON.stringify(post?.blocks)).toContain('billing-cron');
    expect(JSON.stringify(post?.blocks)).not.toContain('invoice-mailer');
    expect(await stateRows()).toEqual([[ids.due, 1]]);
  });
});
