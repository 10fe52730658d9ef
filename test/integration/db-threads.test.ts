import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRun } from '../../src/db/runs.js';
import {
  closeThread,
  openThread,
  readAckEvents,
  readOpenThreads,
  recordConfirmed,
  recordHarvest,
  recordThreadNudge,
} from '../../src/db/threads.js';
import type { NewAckEvent } from '../../src/policy/answers/types.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const NEXT_DAY = new Date('2026-12-02T09:00:00Z');

const event = (fields: Partial<NewAckEvent> = {}): NewAckEvent => ({
  consumerId: 'checkout-api',
  kind: 'done',
  source: 'reply',
  actor: 'U0ANA00001',
  messageTs: '1796115600.000100',
  body: 'done',
  untilAt: null,
  detail: null,
  ...fields,
});

describe(`threads and answers on ${backend}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    await db.reset();
  });

  const open = (team = 'payments', parentTs = '1796115600.000001') =>
    openThread(db.sql, { team, campaign: '', channel: 'C0PAYMENTS1', parentTs, permalink: null, now: NOW });

  it('opens one thread per team and campaign; a second open one for the same team is refused by the database', async () => {
    const thread = await open();
    expect(thread).toMatchObject({
      team: 'payments',
      channel: 'C0PAYMENTS1',
      parentTs: '1796115600.000001',
      seenReplyCount: 0,
      lastTier: null,
    });
    await expect(open('payments', '1796115600.000002')).rejects.toThrow(/chaser_threads_open_idx/);
    await open('search', '1796115600.000003');
    expect([...(await readOpenThreads(db.sql, '')).keys()].sort()).toEqual(['payments', 'search']);
    expect([...(await readOpenThreads(db.sql, '', ['search'])).keys()]).toEqual(['search']);
    expect((await readOpenThreads(db.sql, 'kms/other')).size).toBe(0);
  });

  it('a replacing thread closes the old one in the same transaction and links it', async () => {
    const old = await open();
    const next = await openThread(db.sql, {
      team: 'payments',
      campaign: '',
      channel: 'C0PAYMENTS1',
      parentTs: '1796115600.000009',
      now: NEXT_DAY,
      replaces: { id: old.id, reason: 'expired' },
    });
    expect((await readOpenThreads(db.sql, '')).get('payments')?.id).toBe(next.id);
    const rows = await db.sql`select id::text, closed_at, closed_reason, replaces_thread_id::text from chaser_threads order by id`;
    expect(rows).toEqual([
      { id: old.id, closed_at: NEXT_DAY, closed_reason: 'expired', replaces_thread_id: null },
      { id: next.id, closed_at: null, closed_reason: null, replaces_thread_id: old.id },
    ]);
  });

  it('closeThread and recordThreadNudge keep what the next run needs', async () => {
    const thread = await open();
    await recordThreadNudge(db.sql, thread.id, NEXT_DAY, 'firm');
    expect((await readOpenThreads(db.sql, '')).get('payments')).toMatchObject({ lastTier: 'firm', lastNudgedAt: NEXT_DAY });
    await closeThread(db.sql, thread.id, NEXT_DAY, 'all-done');
    expect((await readOpenThreads(db.sql, '')).size).toBe(0);
  });

  it('recordHarvest records events and the cursor together; reading the same thread twice records nothing twice', async () => {
    const thread = await open();
    const runId = await startRun(db.sql, { command: 'sweep', now: NOW, filters: {} });
    const events = [
      event(),
      event({ consumerId: 'refunds-worker' }),
      event({ source: 'reaction', body: 'white_check_mark', messageTs: '1796115600.000001' }),
      event({ consumerId: null, kind: 'response', body: 'on it', messageTs: '1796115600.000200' }),
    ];
    const cursor = { replyCursor: '1796115600.000200', seenReplyCount: 2, seenLatestReply: '1796115600.000200' };
    const first = await recordHarvest(db.sql, thread, events, cursor, { runId, now: NOW });
    expect(first).toHaveLength(4);
    const again = await recordHarvest(db.sql, thread, events, cursor, { runId, now: NEXT_DAY });
    expect(again).toEqual([]);
    expect(await db.sql`select count(*)::int as n from chaser_ack_events`).toEqual([{ n: 4 }]);
    expect((await readOpenThreads(db.sql, '')).get('payments')).toMatchObject(cursor);
    // The same person's other emoji on the same message is a new fact; another person's too.
    const more = await recordHarvest(
      db.sql,
      thread,
      [event({ source: 'reaction', body: 'zzz', kind: 'snooze', messageTs: '1796115600.000001' }), event({ actor: 'U0BEN00001' })],
      cursor,
      { runId, now: NEXT_DAY },
    );
    expect(more).toHaveLength(2);
    const read = await readAckEvents(db.sql, '');
    expect(read.map((e) => [e.consumerId, e.kind, e.source, e.actor])).toEqual([
      ['checkout-api', 'done', 'reply', 'U0ANA00001'],
      ['refunds-worker', 'done', 'reply', 'U0ANA00001'],
      ['checkout-api', 'done', 'reaction', 'U0ANA00001'],
      [null, 'response', 'reply', 'U0ANA00001'],
      ['checkout-api', 'snooze', 'reaction', 'U0ANA00001'],
      ['checkout-api', 'done', 'reply', 'U0BEN00001'],
    ]);
    expect(read[0]).toMatchObject({ team: 'payments', threadId: thread.id, recordedAt: NOW });
  });

  it("events outlive their thread: a closed thread's events are still read for the campaign", async () => {
    const thread = await open();
    await recordHarvest(
      db.sql,
      thread,
      [event({ kind: 'not_ours', detail: 'search' })],
      { replyCursor: null, seenReplyCount: 0, seenLatestReply: null },
      { now: NOW },
    );
    await closeThread(db.sql, thread.id, NEXT_DAY, 'expired');
    expect((await readAckEvents(db.sql, '', ['payments'])).map((e) => e.kind)).toEqual(['not_ours']);
    expect(await readAckEvents(db.sql, '', ['search'])).toEqual([]);
  });

  it('recordConfirmed only moves forward', async () => {
    const thread = await open();
    await recordConfirmed(db.sql, thread.id, '7');
    await recordConfirmed(db.sql, thread.id, '3');
    expect((await readOpenThreads(db.sql, '')).get('payments')?.confirmedEventId).toBe('7');
  });

  it('an unknown kind or source is refused by the table', async () => {
    const thread = await open();
    await expect(
      recordHarvest(
        db.sql,
        thread,
        [event({ kind: 'maybe' as never })],
        { replyCursor: null, seenReplyCount: 0, seenLatestReply: null },
        { now: NOW },
      ),
    ).rejects.toThrow(/check/);
  });
});
