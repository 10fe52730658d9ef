import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { planSweep } from '../../src/policy/plan.js';
import { decideOutcome, type OutcomeInput } from '../../src/run/outcome.js';
import type { Delivery } from '../../src/run/types.js';
import { consumer, planOptions } from '../support/builders.js';
import { NOW } from '../support/clock.js';

/** Two routed teams (payments: 2 consumers, search: 1), both due; billing has no channel. */
const plan = planSweep(
  [consumer({ team: 'payments' }), consumer({ team: 'payments' }), consumer({ team: 'search' }), consumer({ team: 'billing' })],
  planOptions(),
  NOW,
);
const ok = (channel: string): Delivery => ({ ok: true, channel, ts: '1.0' });
const failed = (reason: string): Delivery => ({ ok: false, reason });
const UNROUTED: Delivery = failed('unrouted: no channel for this team and no fallbackChannel');

const base: OutcomeInput = {
  plan,
  deliveries: new Map([
    ['payments', ok('C0PAYMENTS')],
    ['search', ok('#search-alerts')],
    ['billing', UNROUTED],
  ]),
  unrouted: new Set(['billing']),
  nudges: true,
  digest: { delivered: true, channel: 'C0DIGEST' },
  outstandingExceeded: true,
};

interface Case {
  name: string;
  input: Partial<OutcomeInput>;
  exitCode: ExitCode;
  problems: string[];
  record: Partial<ReturnType<typeof decideOutcome>['record']>;
}

const cases: Case[] = [
  {
    name: 'everything delivered, consumers outstanding: 3, unrouted teams are no failure',
    input: {},
    exitCode: ExitCode.outstanding,
    problems: [],
    record: { outstanding: 4, nudged: 3, teamsMessaged: 2, teamsFailed: 0, digestDelivered: true, exitCode: 3, outcome: 'ok' },
  },
  {
    name: '--fail-on not reached: 0',
    input: { outstandingExceeded: false },
    exitCode: ExitCode.ok,
    problems: [],
    record: { exitCode: 0, outcome: 'ok' },
  },
  {
    name: 'a team message failed in a sweep: 4, naming the team and why; its consumers not counted as nudged',
    input: {
      deliveries: new Map([
        ['payments', ok('C0PAYMENTS')],
        ['search', failed('channel_not_found')],
        ['billing', UNROUTED],
      ]),
    },
    exitCode: ExitCode.deliveryFailed,
    problems: ['1 team message(s) not delivered: search (channel_not_found)'],
    record: {
      nudged: 2,
      teamsMessaged: 1,
      teamsFailed: 1,
      exitCode: 4,
      outcome: '1 team message(s) not delivered: search (channel_not_found)',
    },
  },
  {
    name: 'failed deliveries do not count when the run posts no nudges (digest)',
    input: { nudges: false, deliveries: new Map([['search', failed('x')]]), digest: { delivered: true } },
    exitCode: ExitCode.outstanding,
    problems: [],
    record: { teamsFailed: 1 },
  },
  {
    name: 'the credentials could not post: 69, first among the problems',
    input: { nudgeFatal: { message: 'token_revoked: the token was revoked' }, deliveries: new Map([['search', failed('token_revoked')]]) },
    exitCode: ExitCode.unavailable,
    problems: ['token_revoked: the token was revoked', '1 team message(s) not delivered: search (token_revoked)'],
    record: { exitCode: 69 },
  },
  {
    name: 'the digest failed: 4, naming its recipient',
    input: { digest: { delivered: false, channel: 'C0DIGEST', error: 'channel_not_found' } },
    exitCode: ExitCode.deliveryFailed,
    problems: ['the digest could not be delivered to C0DIGEST: channel_not_found'],
    record: { digestDelivered: false },
  },
  {
    name: 'the digest failed fatally: 69; with no channel known, "its recipient"',
    input: { digest: { delivered: false, error: 'invalid_auth', fatal: true } },
    exitCode: ExitCode.unavailable,
    problems: ['the digest could not be delivered to its recipient: invalid_auth'],
    record: {},
  },
  {
    name: 'the digest not tried (dry-run, --no-digest): no problem, not delivered',
    input: { digest: undefined, nudges: false },
    exitCode: ExitCode.outstanding,
    problems: [],
    record: { digestDelivered: false, outcome: 'ok' },
  },
  {
    name: 'interrupted by SIGTERM: exit 143, first problem says what was and was not done; the record agrees',
    input: {
      interrupted: 'SIGTERM',
      digest: undefined,
      deliveries: new Map([
        ['payments', ok('C0PAYMENTS')],
        ['search', failed('not sent: interrupted')],
        ['billing', UNROUTED],
      ]),
    },
    exitCode: ExitCode.terminated,
    problems: [
      'interrupted by SIGTERM: 1 of 2 team message(s) delivered and recorded, 1 not sent (the next run sends them); the digest was not sent',
      '1 team message(s) not delivered: search (not sent: interrupted)',
    ],
    record: { exitCode: 143, outcome: expect.stringMatching(/^interrupted by SIGTERM: 1 of 2 .*; 1 team message\(s\) not delivered/) },
  },
  {
    name: 'interrupted by SIGINT during a digest run: exit 130',
    input: { interrupted: 'SIGINT', nudges: false, digest: undefined, deliveries: new Map() },
    exitCode: ExitCode.interrupted,
    problems: ['interrupted by SIGINT: the digest was not sent'],
    record: { exitCode: 130 },
  },
  {
    name: 'more than ten failed teams: all counted, ten listed',
    input: { deliveries: new Map(Array.from({ length: 12 }, (_, i) => [`t${i}`, failed('e')] as const)) },
    exitCode: ExitCode.deliveryFailed,
    problems: [`12 team message(s) not delivered: ${Array.from({ length: 10 }, (_, i) => `t${i} (e)`).join(', ')}`],
    record: { teamsFailed: 12, nudged: 0, teamsMessaged: 0 },
  },
];

describe('decideOutcome', () => {
  it.each(cases)('$name', ({ input, exitCode, problems, record }) => {
    const outcome = decideOutcome({ ...base, ...input });
    expect(outcome.exitCode).toBe(exitCode);
    expect(outcome.problems).toEqual(problems);
    expect(outcome.record).toMatchObject(record);
  });

  it('joins several problems into the record, in the order printed', () => {
    const outcome = decideOutcome({
      ...base,
      deliveries: new Map([['search', failed('e')]]),
      digest: { delivered: false, channel: 'C0DIGEST', error: 'x' },
    });
    expect(outcome.record.outcome).toBe(outcome.problems.join('; '));
    expect(outcome.problems).toHaveLength(2);
  });
});
