import { beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { observeInventoryResponses, readTeamActivity } from '../../src/db/escalations.js';
import { backend, insertConsumers, useTestDatabase } from '../support/db.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const NUDGED = new Date('2026-11-30T09:00:00Z');
const config = validateConfig({});
if (!config.ok) throw new Error(config.errors.join('\n'));
const source = config.config.source;
const SNOOZABLE = { hasSnoozedUntil: true, snoozedUntilKind: 'instant' as const };

/** The statement's rule, one consumer state at a time: which changes since the last nudge are an answer. */
describe(`answers seen in the inventory on ${backend}`, () => {
  const db = useTestDatabase();
  beforeEach(async () => {
    await insertConsumers(db.sql, [
      { id: 'done', owner_team: 'payments', status: 'confirmed', rotation_deadline: NUDGED },
      { id: 'odd-status', owner_team: 'search', status: 'in review', rotation_deadline: NUDGED },
      { id: 'snoozed-after', owner_team: 'identity', rotation_deadline: NUDGED, snoozed_until: new Date('2026-12-05T00:00:00Z') },
      // Snoozed until before its last nudge: that snooze was over when chaser nudged; no answer.
      { id: 'snoozed-before', owner_team: 'mobile', rotation_deadline: NUDGED, snoozed_until: new Date('2026-11-29T00:00:00Z') },
      { id: 'untouched', owner_team: 'mobile', rotation_deadline: NUDGED },
      // Confirmed but never nudged: not an answer to chaser.
      { id: 'never-nudged', owner_team: 'ml', status: 'confirmed', rotation_deadline: NUDGED },
    ]);
    await db.sql`insert into chaser_nudge_state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
      select id, 1, ${NUDGED}, ${NUDGED}, 'firm' from rotation_consumers where id <> 'never-nudged'`;
  });
  const teams = ['payments', 'search', 'identity', 'mobile', 'ml'];
  const responses = () => db.sql`select consumer_id, team, how, seen_at from chaser_inventory_responses order by consumer_id`;

  it('a status out of pending (done or any other) and a snooze past the last nudge are answers; the rest are not', async () => {
    const seen = await observeInventoryResponses(db.sql, source, SNOOZABLE, { teams, now: NOW, record: { runId: undefined } });
    expect([...seen].sort()).toEqual(['identity', 'payments', 'search']);
    expect(await responses()).toEqual([
      { consumer_id: 'done', team: 'payments', how: 'status', seen_at: NOW },
      { consumer_id: 'odd-status', team: 'search', how: 'status', seen_at: NOW },
      { consumer_id: 'snoozed-after', team: 'identity', how: 'snooze', seen_at: NOW },
    ]);
    const activity = await readTeamActivity(db.sql, teams, '', NOW);
    expect(activity.get('payments')?.respondedAt).toEqual([NOW]);
    expect(activity.get('mobile')?.respondedAt).toEqual([]);
  });

  it('seen once: a later run records nothing new; a new nudge and a new change are seen again', async () => {
    const options = { teams, now: NOW, record: { runId: undefined } };
    await observeInventoryResponses(db.sql, source, SNOOZABLE, options);
    const later = new Date('2026-12-02T09:00:00Z');
    expect(await observeInventoryResponses(db.sql, source, SNOOZABLE, { ...options, now: later })).toEqual(new Set());
    await db.sql`update chaser_nudge_state set last_nudged_at = ${later} where consumer_id = 'untouched'`;
    await db.sql`update rotation_consumers set status = 'confirmed' where id = 'untouched'`;
    const next = new Date('2026-12-03T09:00:00Z');
    expect(await observeInventoryResponses(db.sql, source, SNOOZABLE, { ...options, now: next })).toEqual(new Set(['mobile']));
    expect((await responses()).map((r) => r['consumer_id'])).toEqual(['done', 'odd-status', 'snoozed-after', 'untouched']);
  });

  it('dry-run (no record) returns the teams and writes nothing; a table without snoozes sees only statuses; only the given teams', async () => {
    const dry = await observeInventoryResponses(db.sql, source, SNOOZABLE, { teams, now: NOW, record: undefined });
    expect([...dry].sort()).toEqual(['identity', 'payments', 'search']);
    expect(await responses()).toEqual([]);
    const noSnooze = { hasSnoozedUntil: false, snoozedUntilKind: null };
    expect([...(await observeInventoryResponses(db.sql, source, noSnooze, { teams, now: NOW, record: undefined }))].sort()).toEqual([
      'payments',
      'search',
    ]);
    expect(await observeInventoryResponses(db.sql, source, SNOOZABLE, { teams: ['mobile'], now: NOW, record: undefined })).toEqual(
      new Set(),
    );
  });
});
