import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE } from '../../src/config/defaults.js';
import type { SourceConfig } from '../../src/config/types.js';
import type { Sql } from '../../src/db/connect.js';
import { readOverdueConsumers, type ReadOverdueOptions } from '../../src/db/consumers.js';
import { inspectSource } from '../../src/db/source.js';
import type { ConsumerRow } from '../../src/policy/types.js';
import { backend, insertConsumers, startTestDatabase, type TestDatabase } from '../support/db.js';
import { NOW } from '../support/clock.js';

const DAY_MS = 86_400_000;
const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

async function readAll(sql: Sql, source: SourceConfig, options: Partial<ReadOverdueOptions> = {}): Promise<ConsumerRow[]> {
  const rows: ConsumerRow[] = [];
  for await (const batch of readOverdueConsumers(sql, source, { now: NOW, hasSnoozedUntil: true, ...options })) rows.push(...batch);
  return rows;
}

describe(`readOverdueConsumers on ${backend}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(async () => {
    await db?.stop();
  });

  describe('the default table', () => {
    beforeEach(async () => {
      await db.reset();
      await insertConsumers(db.sql, [
        { id: 'pay-late', owner_team: 'payments', rotation_deadline: daysBefore(2), key_id: 'kms/payments-2026-01' },
        { id: 'pay-later', owner_team: 'payments', rotation_deadline: daysBefore(9), key_id: 'kms/payments-2026-01' },
        {
          id: 'id-late',
          owner_team: 'identity',
          rotation_deadline: daysBefore(4),
          key_id: 'vault/identity-2025-12',
          snoozed_until: new Date(NOW.getTime() + DAY_MS),
        },
        { id: 'search-b', owner_team: 'search', rotation_deadline: daysBefore(1), key_id: 'kms/search-2026-01' },
        { id: 'search-a', owner_team: 'search', rotation_deadline: daysBefore(1), key_id: 'kms/search-2026-01' },
        { id: 'moved', owner_team: 'payments', rotation_deadline: daysBefore(20), status: 'confirmed' },
        { id: 'excused', owner_team: 'payments', rotation_deadline: daysBefore(20), status: 'exempt' },
        { id: 'not-yet', owner_team: 'payments', rotation_deadline: new Date(NOW.getTime() + DAY_MS) },
        { id: 'due-exactly-now', owner_team: 'payments', rotation_deadline: NOW },
      ]);
    });

    it('returns pending consumers past their deadline, ordered by team, deadline, id, and nothing else', async () => {
      const rows = await readAll(db.sql, DEFAULT_SOURCE);
      expect(rows.map((r) => r.id)).toEqual(['id-late', 'pay-later', 'pay-late', 'search-a', 'search-b']);
      expect(rows[0]).toEqual({
        id: 'id-late',
        name: 'id-late',
        team: 'identity',
        keyId: 'vault/identity-2025-12',
        status: 'pending',
        deadline: daysBefore(4),
        snoozedUntil: new Date(NOW.getTime() + DAY_MS),
        state: null,
      });
    });

    it("joins chaser's nudge state (and only for the consumers that have one)", async () => {
      await db.sql`insert into chaser_nudge_state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
                   values ('pay-later', 3, ${daysBefore(6)}, ${daysBefore(1)}, 'urgent'), ('moved', 1, ${daysBefore(19)}, ${daysBefore(19)}, 'critical')`;
      const rows = await readAll(db.sql, DEFAULT_SOURCE);
      expect(rows.find((r) => r.id === 'pay-later')?.state).toEqual({ nudgeCount: 3, lastNudgedAt: daysBefore(1), lastTier: 'urgent' });
      expect(rows.filter((r) => r.state !== null).map((r) => r.id)).toEqual(['pay-later']);
    });

    it('limits to any of several teams (--team) and to one key (--key)', async () => {
      expect((await readAll(db.sql, DEFAULT_SOURCE, { teams: ['search', 'identity'] })).map((r) => r.id)).toEqual([
        'id-late',
        'search-a',
        'search-b',
      ]);
      expect((await readAll(db.sql, DEFAULT_SOURCE, { keyId: 'kms/payments-2026-01' })).map((r) => r.id)).toEqual([
        'pay-later',
        'pay-late',
      ]);
      expect(await readAll(db.sql, DEFAULT_SOURCE, { teams: ['payments'], keyId: 'kms/search-2026-01' })).toEqual([]);
      expect((await readAll(db.sql, DEFAULT_SOURCE, { teams: [] })).length).toBe(5);
    });

    it('counts every configured pending status as pending', async () => {
      await insertConsumers(db.sql, [{ id: 'in-progress', owner_team: 'mobile', status: 'in_progress', rotation_deadline: daysBefore(3) }]);
      const source = { ...DEFAULT_SOURCE, pendingStatuses: ['pending', 'in_progress'] };
      expect((await readAll(db.sql, source)).map((r) => r.id)).toContain('in-progress');
      expect((await readAll(db.sql, DEFAULT_SOURCE)).map((r) => r.id)).not.toContain('in-progress');
    });

    it('streams in batches of the requested size, the same rows in the same order as one batch', async () => {
      const batches: string[][] = [];
      for await (const batch of readOverdueConsumers(db.sql, DEFAULT_SOURCE, { now: NOW, hasSnoozedUntil: true, batchSize: 2 })) {
        batches.push(batch.map((r) => r.id));
      }
      expect(batches).toEqual([['id-late', 'pay-later'], ['pay-late', 'search-a'], ['search-b']]);
    });

    it('returns its connection when the caller stops early, so the pool keeps working', async () => {
      for (let i = 0; i < 6; i++) {
        for await (const batch of readOverdueConsumers(db.sql, DEFAULT_SOURCE, { now: NOW, hasSnoozedUntil: true, batchSize: 1 })) {
          expect(batch).toHaveLength(1);
          break;
        }
      }
      // The test pool has 4 connections: a leaked reservation per early stop would hang here.
      expect((await readAll(db.sql, DEFAULT_SOURCE)).length).toBe(5);
    });

    it('gives back hostile strings as text (made printable, ids byte for byte), and filters on them as plain values', async () => {
      const hostile = {
        id: `x'); drop table rotation_consumers; --`,
        name: '<!channel> *bold* `code` \\ "quoted" {a,b} ✓ 🚨 \u202e',
        owner_team: 'team "with" {braces}, commas\\and\\backslashes',
        key_id: "kms/it's-$1-::text",
      };
      await insertConsumers(db.sql, [{ ...hostile, rotation_deadline: daysBefore(5) }]);
      const rows = await readAll(db.sql, DEFAULT_SOURCE, { teams: [hostile.owner_team, 'NULL'], keyId: hostile.key_id });
      // The bidi override is gone (printable.ts, the door for database text); nothing else changed.
      expect(rows.map(({ id, name, team, keyId }) => ({ id, name, owner_team: team, key_id: keyId }))).toEqual([
        { ...hostile, name: '<!channel> *bold* `code` \\ "quoted" {a,b} ✓ 🚨' },
      ]);
      expect(await db.sql`select count(*)::int as n from rotation_consumers`).toEqual([{ n: 10 }]);
    });

    it('makes every text value printable where it enters; the id is kept exactly, since nudges are recorded under it', async () => {
      await insertConsumers(db.sql, [
        {
          id: 'esc\u001b[2K-id',
          name: 'name\u001b[1A',
          owner_team: 'evil\u001b[2K\u001b[1Ateam',
          key_id: 'kms/\u009bx',
          rotation_deadline: daysBefore(5),
        },
      ]);
      const [row] = await readAll(db.sql, DEFAULT_SOURCE, { keyId: 'kms/\u009bx' });
      expect(row).toMatchObject({ id: 'esc\u001b[2K-id', name: 'name [1A', team: 'evil [2K [1Ateam', keyId: 'kms/ x' });
    });
  });

  describe('a mapped table with an integer id, NULLs, odd-but-valid identifiers and no snooze column', () => {
    const ODD: SourceConfig = {
      table: 'Inventory.Order',
      columns: {
        id: 'ID',
        name: 'select',
        team: 'owner team',
        keyId: 'key "id"',
        status: 'user',
        deadline: 'Due At',
        snoozedUntil: 'snoozed_until',
      },
      pendingStatuses: ['waiting'],
      doneStatuses: ['confirmed', 'exempt'],
    };

    beforeAll(async () => {
      await db.sql`create schema "Inventory"`;
      await db.sql`create table "Inventory"."Order" ("ID" integer primary key, "select" varchar(80), "owner team" text,
                   "key ""id""" text, "user" text not null, "Due At" timestamptz, nudge_count int, consumer_id text)`;
      await db.sql`insert into "Inventory"."Order" values
        (7, 'seven', 'alpha', 'k1', 'waiting', ${daysBefore(3)}, 99, 'decoy'),
        (42, null, null, null, 'waiting', ${daysBefore(8)}, 99, 'decoy'),
        (5, 'no deadline', 'alpha', 'k1', 'waiting', null, 99, 'decoy'),
        (6, 'done', 'alpha', 'k1', 'done', ${daysBefore(30)}, 99, 'decoy'),
        (8, 'eight', 'beta', 'k2', 'waiting', ${daysBefore(1)}, 99, 'decoy')`;
      await db.sql`insert into chaser_nudge_state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
                   values ('42', 2, ${daysBefore(7)}, ${daysBefore(2)}, 'firm')`;
    });

    it('is usable as mapped: the inspection finds it and sees there is no snoozing', async () => {
      await expect(inspectSource(db.sql, ODD)).resolves.toMatchObject({
        table: 'Inventory.Order',
        hasSnoozedUntil: false,
        idIsUnique: true,
        snoozedUntilKind: null,
      });
    });

    it("reads ids as text, keeps NULL team and deadline rows (NULL team last, NULL deadline last in its team), joins state by the id's text", async () => {
      const rows = await readAll(db.sql, ODD, { hasSnoozedUntil: false });
      expect(rows.map((r) => [r.id, r.team, r.deadline])).toEqual([
        ['7', 'alpha', daysBefore(3)],
        ['5', 'alpha', null],
        ['8', 'beta', daysBefore(1)],
        ['42', null, daysBefore(8)],
      ]);
      expect(rows.find((r) => r.id === '42')).toEqual({
        id: '42',
        name: null,
        team: null,
        keyId: null,
        status: 'waiting',
        deadline: daysBefore(8),
        snoozedUntil: null,
        state: { nudgeCount: 2, lastNudgedAt: daysBefore(2), lastTier: 'firm' },
      });
    });

    it('filters on the mapped team and key columns', async () => {
      expect((await readAll(db.sql, ODD, { hasSnoozedUntil: false, teams: ['beta'] })).map((r) => r.id)).toEqual(['8']);
      expect((await readAll(db.sql, ODD, { hasSnoozedUntil: false, keyId: 'k1' })).map((r) => r.id)).toEqual(['7', '5']);
    });
  });

  describe('a mapped lastSeenOnOldKey column', () => {
    const LAST_SEEN = new Date(NOW.getTime() - 36 * 3_600_000);

    beforeAll(async () => {
      await db.sql`create table seen_inventory (id text primary key, name text, owner_team text, key_id text, status text,
                   rotation_deadline timestamptz, "Last Used" timestamptz, last_used_day date, last_used_text text)`;
      await db.sql`insert into seen_inventory values
        ('seen', 'seen', 'alpha', 'k1', 'pending', ${daysBefore(3)}, ${LAST_SEEN}, '2026-03-08', '2026-03-08 14:10'),
        ('never', 'never', 'alpha', 'k1', 'pending', ${daysBefore(3)}, null, null, null),
        ('odd', 'odd', 'alpha', 'k1', 'pending', ${daysBefore(3)}, 'infinity', '-infinity', 'last tuesday'),
        ('bad-date', 'bad-date', 'alpha', 'k1', 'pending', ${daysBefore(3)}, null, null, '2026-02-30')`;
    });

    const source = (lastSeenOnOldKey: string): SourceConfig => ({
      ...DEFAULT_SOURCE,
      table: 'seen_inventory',
      columns: { ...DEFAULT_SOURCE.columns, lastSeenOnOldKey },
    });
    const lastSeenOf = async (column: string) => {
      const shape = await inspectSource(db.sql, source(column));
      const rows = await readAll(db.sql, source(column), { hasSnoozedUntil: false, lastSeenKind: shape.lastSeenKind });
      return Object.fromEntries(rows.map((r) => [r.id, r.lastSeenOnOldKey]));
    };

    it('reads it per kind (quoted as mapped); NULL is unknown, a value that is not an instant an Invalid Date, never a failed read', async () => {
      const invalid = expect.any(Date) as unknown;
      const instant = await lastSeenOf('Last Used');
      expect(instant).toEqual({ seen: LAST_SEEN, never: undefined, odd: invalid, 'bad-date': undefined });
      expect(Number.isNaN(instant['odd']?.getTime())).toBe(true);
      expect(await lastSeenOf('last_used_day')).toMatchObject({ seen: new Date('2026-03-08T00:00:00Z'), never: undefined });
      const text = await lastSeenOf('last_used_text');
      expect(text['seen']).toEqual(new Date('2026-03-08T14:10:00Z'));
      expect(text['never']).toBeUndefined();
      expect(Number.isNaN(text['odd']?.getTime())).toBe(true);
      expect(Number.isNaN(text['bad-date']?.getTime())).toBe(true);
    });

    it('is not referenced at all when not mapped', async () => {
      const rows = await readAll(db.sql, { ...DEFAULT_SOURCE, table: 'seen_inventory' }, { hasSnoozedUntil: false });
      expect(rows.map((r) => 'lastSeenOnOldKey' in r)).toEqual([false, false, false, false]);
    });
  });
});
