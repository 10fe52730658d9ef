import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/connect.js';
import { configFromObject } from '../../src/config/load.js';
import { silentLog } from '../../src/log.js';
import type { RunScope } from '../../src/pipeline/scope.js';
import { markUnrouted } from '../../src/pipeline/stages/mark-unrouted.js';
import { planSweep } from '../../src/policy/plan.js';
import { createRedactor } from '../../src/redact.js';
import type { Delivery } from '../../src/run/types.js';
import { consumer, planOptions } from '../support/builders.js';
import { NOW } from '../support/clock.js';

/** A stage alone: a scope whose pool is never touched (this stage does no I/O but the log). */
function scopeLogging(warnings: string[]): RunScope {
  return {
    env: {
      log: { ...silentLog, warn: (message) => void warnings.push(message) },
      redact: createRedactor([]),
      signal: new AbortController().signal,
    },
    request: { command: 'sweep', config: configFromObject({}, 'test'), now: NOW, failOn: 'outstanding', digest: true },
    sql: undefined as unknown as Sql,
    stats: { queries: 0, slackCalls: 0 },
    warnings: [],
  };
}

describe('markUnrouted (a stage)', () => {
  it('gives each team with no channel an "unrouted" delivery and one warning, and returns their keys', () => {
    const plan = planSweep(
      [consumer({ team: 'payments' }), consumer({ team: 'ghosts' }), consumer({ team: 'ghosts' })],
      planOptions(),
      NOW,
    );
    const deliveries = new Map<string, Delivery>([['payments', { ok: true, channel: 'C0PAYMENTS', ts: '1.0' }]]);
    const warnings: string[] = [];

    const unrouted = markUnrouted(scopeLogging(warnings), plan, deliveries);

    expect([...unrouted]).toEqual(['ghosts']);
    expect(deliveries.get('ghosts')).toEqual({ ok: false, reason: 'unrouted: no channel for this team and no fallbackChannel' });
    expect(deliveries.get('payments')?.ok).toBe(true);
    expect(warnings).toEqual([
      'team "ghosts" has no channel and there is no fallbackChannel: 2 consumer(s) not nudged (listed in the digest)',
    ]);
  });

  it('marks nothing when a fallbackChannel routes every team', () => {
    const plan = planSweep([consumer({ team: 'ghosts' })], planOptions({ fallbackChannel: '#rotation' }), NOW);
    const warnings: string[] = [];
    expect(markUnrouted(scopeLogging(warnings), plan, new Map()).size).toBe(0);
    expect(warnings).toEqual([]);
  });
});
