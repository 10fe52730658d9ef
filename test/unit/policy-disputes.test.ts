import { describe, expect, it } from 'vitest';
import {
  disputesEnded,
  disputesToPost,
  resolverOf,
  withoutResolvedDisputes,
  type PostedDispute,
} from '../../src/policy/answers/disputes.js';
import type { ConsumerAnswers } from '../../src/policy/answers/effects.js';
import type { AckEvent } from '../../src/policy/answers/types.js';
import type { AnsweredConsumer } from '../../src/policy/types.js';

const NOW = new Date('2026-12-01T09:00:00Z');

const disputed = (id: string, eventId: string, extra: Partial<ConsumerAnswers> = {}): AnsweredConsumer => ({
  id,
  name: `name-${id}`,
  answers: { holdUntil: null, held: true, tierBump: 0, dispute: { by: 'U0ANA00001', at: NOW, eventId, suggestedTeam: 'search' }, ...extra },
});
const eta = (id: string): AnsweredConsumer => ({
  id,
  name: null,
  answers: { holdUntil: null, held: false, tierBump: 0, eta: { by: 'U0ANA00001', at: NOW, eta: NOW } },
});
const post = (eventId: string, consumerId: string, resolvedAt: Date | null = null, team = 'payments'): PostedDispute => ({
  eventId,
  team,
  consumerId,
  channel: 'C0FALLBACK1',
  messageTs: '1.000',
  resolvedAt,
  resolvedBy: resolvedAt ? 'U0LEAD' : null,
});
const notOurs = (id: string, consumerId: string, team = 'payments'): AckEvent => ({
  id,
  threadId: '1',
  team,
  consumerId,
  kind: 'not_ours',
  source: 'reply',
  actor: 'U0ANA00001',
  messageTs: `${id}.0`,
  body: 'not ours',
  untilAt: null,
  detail: null,
  recordedAt: NOW,
});

describe('routing disputes (pure)', () => {
  it('posts each dispute of the plan once: one already posted is left out, answers that are not disputes too', () => {
    const answered = new Map([
      ['payments', [disputed('pay-1', '10'), disputed('pay-2', '11'), eta('pay-3')]],
      ['search', [eta('s-1')]],
    ]);
    expect(disputesToPost(answered, [post('10', 'pay-1')])).toEqual(
      new Map([['payments', [{ eventId: '11', consumerId: 'pay-2', name: 'name-pay-2', by: 'U0ANA00001', suggestedTeam: 'search' }]]]),
    );
    expect(disputesToPost(answered, [post('10', 'pay-1'), post('11', 'pay-2')])).toEqual(new Map());
  });

  it('a posted dispute ends when its consumer is no longer disputed in the plan; a team listed to the cap is not judged', () => {
    const posts = [post('10', 'pay-1'), post('11', 'pay-2'), post('12', 'pay-9', NOW), post('20', 's-1', null, 'search')];
    const answered = new Map([['payments', [disputed('pay-1', '10')]]]);
    expect(disputesEnded(posts, answered, 25)).toEqual(['11', '20']);
    // At the cap, the plan may have left the dispute out of its list: not ended.
    expect(disputesEnded(posts, answered, 1)).toEqual(['20']);
  });

  it("a resolved dispute and every earlier 'not ours' about the consumer from that team count for nothing; a later one is a new dispute", () => {
    const events = [
      notOurs('5', 'pay-1'),
      notOurs('10', 'pay-1'),
      notOurs('11', 'pay-2'),
      notOurs('15', 'pay-1'),
      notOurs('7', 'pay-1', 'search'),
    ];
    expect(withoutResolvedDisputes(events, [post('10', 'pay-1', NOW)]).map((e) => e.id)).toEqual(['11', '15', '7']);
    expect(withoutResolvedDisputes(events, [post('10', 'pay-1')]).map((e) => e.id)).toEqual(['5', '10', '11', '15', '7']);
  });

  it('the first person with the done reaction resolves; chaser and known bots do not, nor another emoji', () => {
    const message = {
      reactions: [
        { name: 'eyes', users: ['U0LEAD'] },
        { name: 'white_check_mark', users: ['U0CHASER', 'U0WORKFLOW', 'U0LEAD', 'U0OTHER'] },
      ],
    };
    expect(resolverOf(message, 'white_check_mark', 'U0CHASER', new Set(['U0WORKFLOW']))).toBe('U0LEAD');
    expect(resolverOf(message, 'heavy_check_mark', 'U0CHASER', new Set())).toBeUndefined();
    expect(
      resolverOf({ reactions: [{ name: 'white_check_mark', users: ['U0CHASER'] }] }, 'white_check_mark', 'U0CHASER', new Set()),
    ).toBeUndefined();
  });
});
