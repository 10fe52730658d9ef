import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/policy/plan.js';
import type { ConsumerRow, Skipped } from '../../src/policy/types.js';
import { consumer, planOptions } from '../support/builders.js';
import { NOW } from '../support/clock.js';

const FUTURE = new Date('2026-04-01T00:00:00Z');

function sweep(rows: ConsumerRow[], pendingStatuses = ['pending']) {
  return planSweep(rows, planOptions({ pendingStatuses }), NOW);
}

describe('statuses', () => {
  it.each([
    ['pending', 1],
    ['confirmed', 0],
    ['exempt', 0],
    ['Pending', 0], // statuses match exactly: the inventory's own spelling is the source of truth
    ['', 0],
  ])('%s overdue → %i outstanding', (status, outstanding) => {
    const plan = sweep([consumer({ now: NOW, overdueDays: 5, status })]);
    expect(plan.outstanding).toBe(outstanding);
    expect(plan.skipped).toEqual([]);
  });

  it('counts every configured pending status', () => {
    const plan = sweep(
      [
        consumer({ now: NOW, status: 'pending' }),
        consumer({ now: NOW, status: 'in_progress' }),
        consumer({ now: NOW, status: 'confirmed' }),
      ],
      ['pending', 'in_progress'],
    );
    expect(plan.outstanding).toBe(2);
  });

  it('does not count a consumer that is not yet due', () => {
    const plan = sweep([consumer({ now: NOW, deadline: FUTURE }), consumer({ now: NOW, deadline: NOW })]);
    expect(plan.outstanding).toBe(0);
    expect(plan.summaries).toEqual([]);
  });
});

describe('skipped rows', () => {
  it.each<[string, { team?: string | null; deadline?: Date | null }, Skipped['reason']]>([
    ['a NULL team', { team: null }, 'missing-team'],
    ['an empty team', { team: '' }, 'missing-team'],
    ['a blank team', { team: '   ' }, 'missing-team'],
    ['a NULL deadline', { deadline: null }, 'missing-deadline'],
    ['an invalid deadline', { deadline: new Date('not a date') }, 'missing-deadline'],
    ['neither team nor deadline', { team: null, deadline: null }, 'missing-deadline'],
  ])('skips %s without counting it', (_label, fields, reason) => {
    const plan = sweep([consumer({ now: NOW, id: 'bad', overdueDays: 5, ...fields }), consumer({ now: NOW, id: 'good' })]);
    expect(plan.skipped).toEqual([{ id: 'bad', team: fields.team === undefined ? 'payments' : fields.team, reason }]);
    expect(plan.outstanding).toBe(1);
    expect(plan.teams.flatMap((team) => team.nudges.ids())).toEqual(['good']);
  });

  it('does not warn about rows that are not pending or not yet due, however incomplete', () => {
    const plan = sweep([
      consumer({ now: NOW, status: 'confirmed', team: null, deadline: null }),
      consumer({ now: NOW, deadline: FUTURE, team: null }),
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it('keeps the first row of a duplicated id and reports the others', () => {
    const plan = sweep([
      consumer({ now: NOW, id: 'twin', overdueDays: 1, team: 'payments' }),
      consumer({ now: NOW, id: 'twin', overdueDays: 20, team: 'search' }),
      consumer({ now: NOW, id: 'twin', overdueDays: 2, team: 'search' }),
    ]);
    expect(plan.outstanding).toBe(1);
    expect(plan.teams).toHaveLength(1);
    expect(plan.teams[0]).toMatchObject({ team: 'payments', tier: { name: 'gentle' } });
    expect(plan.skipped).toEqual([
      { id: 'twin', team: 'search', reason: 'duplicate-id' },
      { id: 'twin', team: 'search', reason: 'duplicate-id' },
    ]);
  });

  it('skips a row whose id is NULL (it could not be recorded) and reports it with its team', () => {
    const nullId = { ...consumer({ now: NOW, overdueDays: 4, team: 'search' }), id: null as unknown as string };
    const plan = sweep([nullId, consumer({ now: NOW, id: 'ok', overdueDays: 4, team: 'search' })]);
    expect(plan.skipped).toEqual([{ id: '', team: 'search', reason: 'missing-id' }]);
    expect(plan.outstanding).toBe(1);
  });

  it('trusts a source with unique ids (idsUnique) and keeps no record of the ids seen', () => {
    const rows = [
      consumer({ now: NOW, id: 'twin', overdueDays: 1, team: 'payments' }),
      consumer({ now: NOW, id: 'twin', overdueDays: 2, team: 'search' }),
    ];
    const plan = planSweep(rows, planOptions({ idsUnique: true }), NOW);
    expect(plan.skipped).toEqual([]);
    expect(plan.outstanding).toBe(2);
  });

  it('lets a first row that is not outstanding win over a later pending duplicate', () => {
    const plan = sweep([
      consumer({ now: NOW, id: 'twin', status: 'confirmed' }),
      consumer({ now: NOW, id: 'twin', status: 'pending', overdueDays: 9 }),
    ]);
    expect(plan.outstanding).toBe(0);
    expect(plan.skipped).toEqual([{ id: 'twin', team: 'payments', reason: 'duplicate-id' }]);
  });
});
