import { describe, expect, it } from 'vitest';
import { parseReply, type GrammarContext } from '../../src/policy/answers/grammar.js';
import {
  deriveAnswers,
  eventsFromReaction,
  eventsFromReply,
  notAllowedEvent,
  teamAnswerFacts,
  type AnswerSettings,
  type InventoryFacts,
} from '../../src/policy/answers/effects.js';
import type { AckEvent, NewAckEvent } from '../../src/policy/answers/types.js';
import { answerNotes, describeAnswers, renderConfirmation } from '../../src/slack/render/thread-messages.js';
import { isPerson, isPersonReacting, mayAnswer } from '../../src/policy/answers/who.js';
import { eventsFromThread, type ReadBackContext } from '../../src/policy/answers/read-back.js';
import { consumer, planOptions } from '../support/builders.js';
import { DAY_MS, HOUR_MS } from '../support/clock.js';

/** Labelled instants: the campaign's first Tuesday, 09:00 UTC. */
const NOW = new Date('2026-12-01T09:00:00Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

const context: GrammarContext = {
  listed: [
    { id: 'checkout-api', name: 'Checkout API' },
    { id: 'refunds-worker', name: null },
    { id: '42', name: 'ledger' },
  ],
  now: NOW,
};
const parse = (text: string) => parseReply(text, context);

const SETTINGS: AnswerSettings = {
  claimGraceMs: 2 * DAY_MS,
  maxSnoozeMs: 7 * DAY_MS,
  quietMs: 7 * DAY_MS,
  reactions: { done: 'white_check_mark', snooze: 'zzz', notOurs: 'no_entry_sign' },
};

describe('reply grammar: the four answers', () => {
  it('done with no consumer is about all the thread lists; named ones by id or name, any case', () => {
    expect(parse('done')).toEqual({ kind: 'done', consumers: 'all' });
    expect(parse('DONE')).toEqual({ kind: 'done', consumers: 'all' });
    expect(parse('Done checkout-api')).toEqual({ kind: 'done', consumers: ['checkout-api'] });
    expect(parse('done LEDGER, refunds-worker')).toEqual({ kind: 'done', consumers: ['42', 'refunds-worker'] });
    expect(parse('done checkout-api checkout-api')).toEqual({ kind: 'done', consumers: ['checkout-api'] });
  });

  it('a leading mention of the bot is ignored', () => {
    expect(parse('<@U0FAKEBOT1> done 42')).toEqual({ kind: 'done', consumers: ['42'] });
  });

  it('snooze <duration> [consumer …] [reason]', () => {
    expect(parse('snooze 3d')).toEqual({ kind: 'snooze', consumers: 'all', durationMs: 3 * DAY_MS, requested: '3d' });
    expect(parse('snooze 36h refunds-worker waiting on vendor')).toEqual({
      kind: 'snooze',
      consumers: ['refunds-worker'],
      durationMs: 36 * HOUR_MS,
      requested: '36h',
      reason: 'waiting on vendor',
    });
    expect(parse('Snooze 2W freeze until January')).toMatchObject({
      consumers: 'all',
      durationMs: 14 * DAY_MS,
      reason: 'freeze until January',
    });
  });

  it('not ours [consumer …] [@team], the team as typed or as a user-group mention', () => {
    expect(parse('not ours')).toEqual({ kind: 'not_ours', consumers: 'all' });
    expect(parse('Not Ours 42 @search')).toEqual({ kind: 'not_ours', consumers: ['42'], team: 'search' });
    expect(parse('not ours <!subteam^S0SEARCH01|@search-oncall>')).toEqual({ kind: 'not_ours', consumers: 'all', team: 'search-oncall' });
    expect(parse('not really, working on it')).toEqual({ kind: 'response' });
  });

  it('eta <YYYY-MM-DD> [consumer …]', () => {
    expect(parse('eta 2026-12-09')).toEqual({ kind: 'eta', consumers: 'all', eta: new Date('2026-12-09T00:00:00Z') });
    expect(parse('ETA 2026-12-01 checkout-api')).toEqual({
      kind: 'eta',
      consumers: ['checkout-api'],
      eta: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('anything else from a person is a response that changes nothing', () => {
    for (const text of ['thanks, on it', 'we are migrating tomorrow', '👍', '', 'donezo', 'etas are hard', 'snoozefest']) {
      expect(parse(text)).toEqual({ kind: 'response' });
    }
  });
});

describe('reply grammar: untrusted text is parsed strictly', () => {
  it('a consumer the thread does not list refuses the whole answer, naming it', () => {
    const result = parse('done checkout-api billing-cron');
    expect(result).toEqual({ kind: 'refused', reason: 'not a consumer this thread lists: "billing-cron"' });
  });

  it('durations are bounded: 99999d, 0d, 400d, 3 days and a missing one are refused', () => {
    expect(parse('snooze 99999d')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('"99999d" is not a duration') });
    expect(parse('snooze 0d')).toMatchObject({ kind: 'refused' });
    expect(parse('snooze 400d')).toEqual({ kind: 'refused', reason: 'a snooze is at most 365d' });
    expect(parse('snooze three days')).toMatchObject({ kind: 'refused' });
    expect(parse('snooze')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('snooze needs') });
    expect(parse('snooze 1.5d')).toMatchObject({ kind: 'refused' });
  });

  it('dates are real, not past, not more than a year away', () => {
    expect(parse('eta 2026-02-30')).toEqual({ kind: 'refused', reason: '"2026-02-30" is not a date' });
    expect(parse('eta 2026-11-30')).toEqual({ kind: 'refused', reason: '2026-11-30 is in the past' });
    expect(parse('eta 2028-01-01')).toEqual({ kind: 'refused', reason: '2028-01-01 is more than a year away' });
    expect(parse('eta tomorrow')).toMatchObject({ kind: 'refused' });
  });

  it('a 40,000-character answer is refused without being scanned; a 40,000-character chat is a response', () => {
    expect(parse(`done ${'x'.repeat(40_000)}`)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('one short line') });
    expect(parse('a'.repeat(40_000))).toEqual({ kind: 'response' });
  });

  it('look-alike and invisible characters never make a keyword: they are refused with the reason', () => {
    expect(parse('d\u043Ene')).toEqual({ kind: 'response' }); // Cyrillic о: not even a look-alike after folding
    expect(parse('do\u200Bne')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('look-alike or invisible') });
    expect(parse('\uFF44\uFF4F\uFF4E\uFF45')).toMatchObject({ kind: 'refused' }); // fullwidth ｄｏｎｅ
    expect(parse('\u202Edone')).toMatchObject({ kind: 'refused' });
  });

  it('mentions and broadcast syntax are not consumers; what is refused is shown printable and escaped', () => {
    expect(parse('done <!channel>')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('<!channel>') });
    const refused = parse('done \u202Eevil\u0007 <!channel>');
    expect(refused.kind).toBe('refused');
    expect(parse('done <@U0ANA00001>')).toMatchObject({ kind: 'refused' });
    const [event] = eventsFromReply(
      refused,
      { actor: 'U0ANA00001', ts: '1796115600.000100', text: 'done \u202Eevil\u0007 <!channel>' },
      [],
      NOW,
    );
    const shown = JSON.stringify(
      renderConfirmation([{ ...event!, id: '1', threadId: '1', team: 'payments', recordedAt: NOW }], new Map(), SETTINGS),
    );
    expect(shown).not.toMatch(/[\u202E\u0007]/);
    expect(shown).not.toContain('<!channel>');
    expect(shown).toContain('&lt;!channel&gt;');
  });

  it('a name Slack turned into a link still names its consumer; entities are decoded', () => {
    const linked: GrammarContext = {
      ...context,
      listed: [
        { id: 'pay.example.com', name: null },
        { id: 'a&b', name: null },
      ],
    };
    expect(parseReply('done <http://pay.example.com|pay.example.com>', linked)).toEqual({ kind: 'done', consumers: ['pay.example.com'] });
    expect(parseReply('done a&amp;b', linked)).toEqual({ kind: 'done', consumers: ['a&b'] });
  });

  it('only the first line is the command', () => {
    expect(parse('done 42\nand also checkout-api is moving')).toEqual({ kind: 'done', consumers: ['42'] });
  });
});

describe('events from answers', () => {
  const message = { actor: 'U0ANA00001', ts: '1796115600.000100', text: 'done' };
  const listed = ['checkout-api', 'refunds-worker'];

  it('a reply about all makes one event per listed consumer; a response one without a consumer', () => {
    expect(eventsFromReply(parse('done'), message, listed, NOW).map((e) => [e.consumerId, e.kind])).toEqual([
      ['checkout-api', 'done'],
      ['refunds-worker', 'done'],
    ]);
    expect(eventsFromReply({ kind: 'response' }, { ...message, text: 'on it' }, listed, NOW)).toEqual([
      {
        consumerId: null,
        kind: 'response',
        source: 'reply',
        actor: 'U0ANA00001',
        messageTs: message.ts,
        body: 'on it',
        untilAt: null,
        detail: null,
      },
    ]);
  });

  it('a snooze keeps what was asked (uncapped) and its reason; a refusal its reason; the body is capped and printable', () => {
    const [snooze] = eventsFromReply(parse('snooze 10d checkout-api vendor'), message, listed, NOW);
    expect(snooze).toMatchObject({ untilAt: later(10 * DAY_MS), detail: '10d vendor' });
    const [refused] = eventsFromReply(parse('snooze 99999d'), { ...message, text: `snooze 99999d\u202E${'x'.repeat(1000)}` }, listed, NOW);
    expect(refused?.kind).toBe('refused');
    expect(Array.from(refused?.body ?? '').length).toBeLessThanOrEqual(500);
  });

  it('reactions: ✅ done, 💤 snooze for maxSnooze, 🙅 not ours; any other emoji is nothing', () => {
    expect(eventsFromReaction('white_check_mark', message, listed, SETTINGS, NOW).map((e) => e.kind)).toEqual(['done', 'done']);
    expect(eventsFromReaction('zzz', message, ['42'], SETTINGS, NOW)).toEqual([
      expect.objectContaining({ kind: 'snooze', untilAt: later(7 * DAY_MS), body: 'zzz', source: 'reaction' }),
    ]);
    expect(eventsFromReaction('no_entry_sign', message, ['42'], SETTINGS, NOW)[0]?.kind).toBe('not_ours');
    expect(eventsFromReaction('tada', message, listed, SETTINGS, NOW)).toEqual([]);
    const custom = { ...SETTINGS, reactions: { ...SETTINGS.reactions, done: 'heavy_check_mark' } };
    expect(eventsFromReaction('white_check_mark', message, listed, custom, NOW)).toEqual([]);
  });
});

let nextId = 1;
function recorded(event: Partial<NewAckEvent> & Pick<NewAckEvent, 'kind'>, at: Date, team = 'payments'): AckEvent {
  return {
    consumerId: 'checkout-api',
    source: 'reply',
    actor: 'U0ANA00001',
    messageTs: `${Math.floor(at.getTime() / 1000)}.000100`,
    body: event.kind,
    untilAt: null,
    detail: null,
    ...event,
    id: String(nextId++),
    threadId: '1',
    team,
    recordedAt: at,
  };
}
const inventory = (facts: Partial<InventoryFacts> = {}): Map<string, InventoryFacts> =>
  new Map([['checkout-api', { team: 'payments', lastSeenOnOldKey: null, ...facts }]]);

describe('what answers do', () => {
  it('done: claimed, held for claimGrace; after it, still pending: chased one tier higher', () => {
    const events = [recorded({ kind: 'done' }, NOW)];
    const during = deriveAnswers(events, inventory(), SETTINGS, later(DAY_MS)).get('checkout-api');
    expect(during).toMatchObject({
      claim: { state: 'claimed', by: 'U0ANA00001', graceEndsAt: later(2 * DAY_MS) },
      holdUntil: later(2 * DAY_MS),
      tierBump: 0,
    });
    const atEnd = deriveAnswers(events, inventory(), SETTINGS, later(2 * DAY_MS)).get('checkout-api');
    expect(atEnd).toMatchObject({ claim: { state: 'unverified' }, holdUntil: null, tierBump: 1 });
  });

  it('evidence beats claims: seen on the old key after the claim re-escalates at once, quoting when', () => {
    const seenAt = later(6 * HOUR_MS);
    const answers = deriveAnswers([recorded({ kind: 'done' }, NOW)], inventory({ lastSeenOnOldKey: seenAt }), SETTINGS, later(DAY_MS));
    expect(answers.get('checkout-api')).toMatchObject({ claim: { state: 'contradicted', seenAt }, holdUntil: null, tierBump: 1 });
    const before = deriveAnswers(
      [recorded({ kind: 'done' }, NOW)],
      inventory({ lastSeenOnOldKey: later(-HOUR_MS) }),
      SETTINGS,
      later(DAY_MS),
    );
    expect(before.get('checkout-api')?.claim?.state).toBe('claimed');
  });

  it('"after the claim" is when the reply was written (its ts), not when a later run read it; a reaction has no time but its harvest', () => {
    const repliedAt = later(-6 * HOUR_MS);
    const reply = recorded({ kind: 'done', messageTs: `${repliedAt.getTime() / 1000}.000200` }, NOW);
    const seenBetween = inventory({ lastSeenOnOldKey: later(-2 * HOUR_MS) });
    expect(deriveAnswers([reply], seenBetween, SETTINGS, NOW).get('checkout-api')?.claim?.state).toBe('contradicted');
    const reaction = recorded({ kind: 'done', source: 'reaction', messageTs: `${later(-DAY_MS).getTime() / 1000}.000300` }, NOW);
    expect(deriveAnswers([reaction], seenBetween, SETTINGS, NOW).get('checkout-api')?.claim?.state).toBe('claimed');
    // A ts after the harvest (a --now in the past) is not trusted: the harvest's time counts.
    const ahead = recorded({ kind: 'done', messageTs: `${later(DAY_MS).getTime() / 1000}.000400` }, NOW);
    expect(deriveAnswers([ahead], seenBetween, SETTINGS, NOW).get('checkout-api')?.claim?.state).toBe('claimed');
  });

  it('a pending consumer quiet on the old key for quietDays looks done; not before', () => {
    const quiet = deriveAnswers([], inventory({ lastSeenOnOldKey: later(-7 * DAY_MS) }), SETTINGS, NOW);
    expect(quiet.get('checkout-api')?.looksDone).toEqual({ lastSeenAt: later(-7 * DAY_MS) });
    expect(deriveAnswers([], inventory({ lastSeenOnOldKey: later(-6 * DAY_MS) }), SETTINGS, NOW).size).toBe(0);
  });

  it('snooze: honoured up to maxSnooze; a longer ask is capped and marked over the limit until it ends', () => {
    const short = [recorded({ kind: 'snooze', untilAt: later(3 * DAY_MS), detail: '3d' }, NOW)];
    expect(deriveAnswers(short, inventory(), SETTINGS, later(DAY_MS)).get('checkout-api')).toMatchObject({
      snooze: { until: later(3 * DAY_MS), overLimit: false, requested: '3d' },
      holdUntil: later(3 * DAY_MS),
    });
    const long = [recorded({ kind: 'snooze', untilAt: later(30 * DAY_MS), detail: '30d release freeze' }, NOW)];
    const capped = deriveAnswers(long, inventory(), SETTINGS, later(DAY_MS)).get('checkout-api');
    expect(capped).toMatchObject({
      snooze: { until: later(7 * DAY_MS), requestedUntil: later(30 * DAY_MS), overLimit: true, reason: 'release freeze' },
      holdUntil: later(7 * DAY_MS),
    });
    const afterCap = deriveAnswers(long, inventory(), SETTINGS, later(8 * DAY_MS)).get('checkout-api');
    expect(afterCap).toMatchObject({ snooze: { overLimit: true }, holdUntil: null });
    expect(deriveAnswers(short, inventory(), SETTINGS, later(3 * DAY_MS)).size).toBe(0);
  });

  it('not ours: disputed and held from the thread; void once the owner team changes in the inventory', () => {
    const events = [recorded({ kind: 'not_ours', detail: 'search' }, NOW)];
    expect(deriveAnswers(events, inventory(), SETTINGS, later(DAY_MS)).get('checkout-api')).toMatchObject({
      dispute: { by: 'U0ANA00001', suggestedTeam: 'search' },
      held: true,
    });
    expect(deriveAnswers(events, inventory({ team: 'search' }), SETTINGS, later(DAY_MS)).size).toBe(0);
  });

  it('eta: shown, no change to cadence', () => {
    const events = [recorded({ kind: 'eta', untilAt: later(8 * DAY_MS) }, NOW)];
    expect(deriveAnswers(events, inventory(), SETTINGS, later(DAY_MS)).get('checkout-api')).toEqual({
      eta: { by: 'U0ANA00001', at: NOW, eta: later(8 * DAY_MS) },
      holdUntil: null,
      held: false,
      tierBump: 0,
    });
  });

  it('the latest answer of a kind wins; responses, refusals and consumers gone from the inventory count for nothing', () => {
    const events = [
      recorded({ kind: 'snooze', untilAt: later(5 * DAY_MS), detail: '5d' }, NOW),
      recorded({ kind: 'snooze', untilAt: later(DAY_MS + 2 * DAY_MS), detail: '2d' }, later(DAY_MS)),
      recorded({ kind: 'response', consumerId: null }, NOW),
      recorded({ kind: 'done', consumerId: 'gone-consumer' }, NOW),
    ];
    const answers = deriveAnswers(events, inventory(), SETTINGS, later(DAY_MS));
    expect(answers.get('checkout-api')?.snooze?.until).toEqual(later(3 * DAY_MS));
    expect(answers.has('gone-consumer')).toBe(false);
  });

  it('a snooze does not quieten a claim the inventory contradicted', () => {
    const events = [
      recorded({ kind: 'done' }, NOW),
      recorded({ kind: 'snooze', untilAt: later(5 * DAY_MS), detail: '5d' }, later(3 * DAY_MS)),
    ];
    expect(deriveAnswers(events, inventory(), SETTINGS, later(3 * DAY_MS)).get('checkout-api')).toMatchObject({
      tierBump: 1,
      holdUntil: null,
    });
  });
});

describe('did the team answer? (the fact escalation builds on)', () => {
  it('answered since the last nudge when a person spoke in a later harvest; a not-allowed person never counts', () => {
    const events = [
      recorded({ kind: 'response', consumerId: null }, later(DAY_MS)),
      recorded({ kind: 'refused', consumerId: null, detail: 'not-allowed', actor: 'U0STRANGER' }, later(3 * DAY_MS), 'search'),
    ];
    const facts = teamAnswerFacts(
      events,
      new Map([
        ['payments', NOW],
        ['search', NOW],
      ]),
    );
    expect(facts.get('payments')).toMatchObject({ lastAnswerAt: later(DAY_MS), answeredSinceLastNudge: true, responders: ['U0ANA00001'] });
    expect(facts.get('payments')?.counts.response).toBe(1);
    expect(facts.has('search')).toBe(false);
    const renudged = teamAnswerFacts(events, new Map([['payments', later(DAY_MS)]]));
    expect(renudged.get('payments')?.answeredSinceLastNudge).toBe(false);
  });

  it('a refusal by a team member is still an answer (the team is not ignoring chaser)', () => {
    const facts = teamAnswerFacts(
      [recorded({ kind: 'refused', consumerId: null, detail: 'a snooze is at most 365d' }, later(DAY_MS))],
      new Map(),
    );
    expect(facts.get('payments')?.answeredSinceLastNudge).toBe(true);
  });
});

describe('who may answer', () => {
  it('only people: any bot_id, a bot_message, or chaser itself is never an answer', () => {
    expect(isPerson({ user: 'U0ANA00001' }, 'U0FAKEBOT1')).toBe(true);
    expect(isPerson({ user: 'U0WORKFLOW', botId: 'B0WORKFLOW' }, 'U0FAKEBOT1')).toBe(false);
    expect(isPerson({ user: 'U0FAKEBOT1' }, 'U0FAKEBOT1')).toBe(false);
    expect(isPerson({ user: 'U0X', subtype: 'bot_message' }, 'U0FAKEBOT1')).toBe(false);
    expect(isPerson({ user: undefined }, 'U0FAKEBOT1')).toBe(false);
    expect(isPersonReacting('U0FAKEBOT1', 'U0FAKEBOT1', new Set())).toBe(false);
    expect(isPersonReacting('U0WORKFLOW', 'U0FAKEBOT1', new Set(['U0WORKFLOW']))).toBe(false);
    expect(isPersonReacting('U0ANA00001', 'U0FAKEBOT1', new Set(['U0WORKFLOW']))).toBe(true);
  });

  it('"team": the user group\'s members; a single-user mention that user; no group: any person; unreadable group: any person', () => {
    const members = new Set(['U0ANA00001']);
    expect(mayAnswer('U0ANA00001', 'team', { mention: 'S0PAYMENTS', members })).toBe(true);
    expect(mayAnswer('U0BEN00001', 'team', { mention: 'S0PAYMENTS', members })).toBe(false);
    expect(mayAnswer('U0BEN00001', 'team', { mention: 'U0ANA00001' })).toBe(false);
    expect(mayAnswer('U0BEN00001', 'team', {})).toBe(true);
    expect(mayAnswer('U0BEN00001', 'team', { mention: 'S0PAYMENTS' })).toBe(true);
  });

  it('a list of user ids: exactly those; "anyone": any person', () => {
    expect(mayAnswer('U0BEN00001', ['U0ANA00001'], { mention: 'S0PAYMENTS' })).toBe(false);
    expect(mayAnswer('U0ANA00001', ['U0ANA00001'], {})).toBe(true);
    expect(mayAnswer('U0BEN00001', 'anyone', { mention: 'S0PAYMENTS', members: new Set() })).toBe(true);
  });

  it('notAllowedEvent records the stranger as a refusal that counts for nothing', () => {
    expect(notAllowedEvent({ actor: 'U0X', ts: '1.2', text: 'done' }, 'reply')).toMatchObject({
      kind: 'refused',
      detail: 'not-allowed',
      consumerId: null,
    });
  });
});

describe('answers in the plan', () => {
  // Imported here so the grammar tests above stay free of the planner.
  const PLAN_NOW = new Date('2026-03-10T09:00:00Z');
  const answerOf = (kind: NewAckEvent['kind'], consumerId: string, at: Date, extra: Partial<NewAckEvent> = {}) =>
    recorded({ kind, consumerId, ...extra }, at);
  const planWith = async (rows: ReturnType<typeof consumer>[], events: AckEvent[], now = PLAN_NOW) => {
    const { planSweep } = await import('../../src/policy/plan.js');
    const { groupByConsumer } = await import('../../src/policy/answers/effects.js');
    return planSweep(rows, planOptions({ answers: { byConsumer: groupByConsumer(events), settings: SETTINGS } }), now);
  };

  it('a claim within claimGrace holds the consumer back (listed as snoozed, not due); after it, one tier higher', async () => {
    const rows = [
      consumer({ id: 'checkout-api', overdueDays: 1, now: PLAN_NOW }),
      consumer({ id: 'other', overdueDays: 1, now: PLAN_NOW }),
    ];
    const claimed = [answerOf('done', 'checkout-api', new Date(PLAN_NOW.getTime() - DAY_MS))];
    const during = await planWith(rows, claimed);
    expect(during.teams[0]?.nudges.ids()).toEqual(['other']);
    expect(during.summaries[0]).toMatchObject({ due: 1, snoozed: 1 });
    expect(during.answered.get('payments')?.[0]).toMatchObject({ id: 'checkout-api', answers: { claim: { state: 'claimed' } } });

    const after = await planWith(rows, [answerOf('done', 'checkout-api', new Date(PLAN_NOW.getTime() - 3 * DAY_MS))]);
    const team = after.teams[0];
    expect(team?.nudges.ids()).toEqual(['checkout-api', 'other']);
    // gentle by its days; firm because the claim did not verify, and the message takes the worst tier.
    expect(team?.tier.name).toBe('firm');
    expect(after.byTier).toMatchObject({ gentle: 1, firm: 1 });
  });

  it('a dispute holds the consumer back from its team however long; an answer from another team changes nothing', async () => {
    const rows = [consumer({ id: 'checkout-api', overdueDays: 20, now: PLAN_NOW })];
    const disputed = await planWith(rows, [answerOf('not_ours', 'checkout-api', new Date(PLAN_NOW.getTime() - 30 * DAY_MS))]);
    expect(disputed.teams).toEqual([]);
    expect(disputed.outstanding).toBe(1);
    const otherTeam = await planWith(rows, [recorded({ kind: 'not_ours', consumerId: 'checkout-api' }, PLAN_NOW, 'search')]);
    expect(otherTeam.teams.map((t) => t.team)).toEqual(['payments']);
  });

  it('counts per campaign every consumer held back by a claim within claimGrace or a dispute (what the snapshot records)', async () => {
    const rows = [
      consumer({ id: 'claimed', keyId: 'kms/a', overdueDays: 1, now: PLAN_NOW }),
      consumer({ id: 'unverified', keyId: 'kms/a', overdueDays: 1, now: PLAN_NOW }),
      consumer({ id: 'disputed', keyId: 'kms/a', overdueDays: 1, now: PLAN_NOW }),
      consumer({ id: 'both', keyId: 'kms/b', overdueDays: 1, now: PLAN_NOW }),
      consumer({ id: 'snoozed', keyId: 'kms/b', overdueDays: 1, now: PLAN_NOW }),
      consumer({ id: 'no-key', keyId: null, overdueDays: 1, now: PLAN_NOW }),
    ];
    const yesterday = new Date(PLAN_NOW.getTime() - DAY_MS);
    const plan = await planWith(rows, [
      answerOf('done', 'claimed', yesterday),
      answerOf('done', 'unverified', new Date(PLAN_NOW.getTime() - 3 * DAY_MS)),
      answerOf('not_ours', 'disputed', yesterday),
      answerOf('done', 'both', yesterday),
      answerOf('not_ours', 'both', yesterday),
      answerOf('snooze', 'snoozed', yesterday, { untilAt: new Date(PLAN_NOW.getTime() + DAY_MS) }),
      answerOf('done', 'no-key', yesterday),
    ]);
    expect(plan.answerCounts).toEqual(
      new Map([
        ['kms/a', { claimed: 1, disputed: 1 }],
        ['kms/b', { claimed: 1, disputed: 1 }],
      ]),
    );
    expect((await planWith(rows, [])).answerCounts).toBeUndefined();
  });

  it('the critical tier stays the last: an unverified claim there does not climb past it', async () => {
    const rows = [consumer({ id: 'checkout-api', overdueDays: 20, now: PLAN_NOW })];
    const plan = await planWith(rows, [answerOf('done', 'checkout-api', new Date(PLAN_NOW.getTime() - 3 * DAY_MS))]);
    expect(plan.teams[0]?.tier.name).toBe('critical');
  });

  describe('evidence from lastSeenOnOldKey', () => {
    const at = (ms: number) => new Date(PLAN_NOW.getTime() + ms);
    const evidencePlan = async (rows: ReturnType<typeof consumer>[], events: AckEvent[] = []) => {
      const { planSweep } = await import('../../src/policy/plan.js');
      const { groupByConsumer } = await import('../../src/policy/answers/effects.js');
      return planSweep(
        rows,
        planOptions({ answers: { byConsumer: groupByConsumer(events), settings: SETTINGS }, evidence: true }),
        PLAN_NOW,
      );
    };

    it('a claim still seen on the old key is re-escalated at once, not a cadence later; once nudged again, the cadence holds', async () => {
      const { nudged } = await import('../support/builders.js');
      const claim = [answerOf('done', 'checkout-api', at(-20 * HOUR_MS))];
      // Last nudged 22h ago: firm's 24h cadence has not passed.
      const row = (lastSeenOnOldKey: Date | null, lastNudged = at(-22 * HOUR_MS)) =>
        consumer({
          id: 'checkout-api',
          overdueDays: 1,
          now: PLAN_NOW,
          lastSeenOnOldKey,
          state: nudged({ at: lastNudged, tier: 'gentle' }),
        });

      const contradicted = await evidencePlan([row(at(-2 * HOUR_MS))], claim);
      expect(contradicted.teams[0]).toMatchObject({ tier: { name: 'firm' } });
      expect(contradicted.teams[0]?.nudges.ids()).toEqual(['checkout-api']);
      expect(contradicted.answered.get('payments')?.[0]?.answers.claim).toMatchObject({ state: 'contradicted', seenAt: at(-2 * HOUR_MS) });
      expect(contradicted.evidence).toMatchObject({ contradicted: 1, seenAfterDeadline: 1 });
      expect(contradicted.evidence?.byTeam.get('payments')).toEqual({
        seenAfterDeadline: 1,
        looksDone: [],
        contradicted: ['checkout-api'],
      });

      // Seen before the claim: the claim stands (held within claimGrace).
      expect((await evidencePlan([row(at(-21 * HOUR_MS))], claim)).teams).toEqual([]);
      // Nudged after the claim already: firm's cadence again, no nudge on every run.
      const renudged = await evidencePlan([row(at(-2 * HOUR_MS), at(-HOUR_MS))], claim);
      expect(renudged.teams).toEqual([]);
      expect(renudged.summaries[0]).toMatchObject({ waiting: 1, worstTier: { name: 'firm' } });
    });

    it('a pending consumer quiet on the old key for quietFor looks done (without any answer); not before', async () => {
      const plan = await evidencePlan([
        consumer({ id: 'quiet', overdueDays: 10, now: PLAN_NOW, lastSeenOnOldKey: at(-7 * DAY_MS) }),
        consumer({ id: 'recent', overdueDays: 10, now: PLAN_NOW, lastSeenOnOldKey: at(-6 * DAY_MS) }),
      ]);
      expect(plan.answered.get('payments')).toEqual([
        { id: 'quiet', name: 'service quiet', answers: expect.objectContaining({ looksDone: { lastSeenAt: at(-7 * DAY_MS) } }) as unknown },
      ]);
      // Looking done changes nothing by itself: the inventory is the source of truth, both are still nudged.
      expect(plan.teams[0]?.nudges.ids()).toEqual(['quiet', 'recent']);
      expect(plan.evidence).toMatchObject({ looksDone: 1, seenAfterDeadline: 2, contradicted: 0, unreadable: 0 });
    });

    it('counts those seen after their deadline; an unreadable value is no evidence, counted and chased as usual', async () => {
      const plan = await evidencePlan([
        consumer({ id: 'before', overdueDays: 3, now: PLAN_NOW, lastSeenOnOldKey: at(-4 * DAY_MS) }),
        consumer({ id: 'after', overdueDays: 3, now: PLAN_NOW, lastSeenOnOldKey: at(-DAY_MS) }),
        consumer({ id: 'unknown', overdueDays: 3, now: PLAN_NOW, lastSeenOnOldKey: null }),
        consumer({ id: 'garbled', overdueDays: 3, now: PLAN_NOW, lastSeenOnOldKey: new Date(Number.NaN) }),
      ]);
      expect(plan.evidence).toMatchObject({ seenAfterDeadline: 1, unreadable: 1, unreadableIds: ['garbled'], looksDone: 0 });
      expect(plan.teams[0]?.nudges.ids().sort()).toEqual(['after', 'before', 'garbled', 'unknown']);
      expect(plan.skipped).toEqual([]);
    });

    it('no column mapped: no evidence in the plan', async () => {
      const { planSweep } = await import('../../src/policy/plan.js');
      expect(planSweep([consumer({ overdueDays: 3, now: PLAN_NOW })], planOptions(), PLAN_NOW).evidence).toBeUndefined();
    });
  });
});

describe('what the thread says about evidence', () => {
  it('a contradicted claim quotes when the consumer was seen on the old key; a quiet one asks to confirm in the inventory', () => {
    const contradicted = describeAnswers(
      {
        claim: {
          by: 'U0ANA00001',
          at: NOW,
          graceEndsAt: later(2 * DAY_MS),
          state: 'contradicted',
          seenAt: new Date('2026-12-02T14:10:00Z'),
        },
        holdUntil: null,
        held: false,
        tierBump: 1,
      },
      later(DAY_MS),
    );
    expect(contradicted).toBe('claimed done by <@U0ANA00001> on 2026-12-01, still seen on the old key at 2026-12-02 14:10 UTC');
    const quiet = answerNotes(
      [
        {
          id: 'batch-<!here>',
          name: null,
          answers: { looksDone: { lastSeenAt: later(-9 * DAY_MS) }, holdUntil: null, held: false, tierBump: 0 },
        },
      ],
      NOW,
    );
    expect(quiet).toEqual(['*batch-&lt;!here&gt;*: not seen on the old key since 2026-11-22: looks done — confirm in the inventory']);
  });

  it('leaves out a consumer whose only answer has lapsed: no empty "name:" line under the message', () => {
    const lapsed = {
      id: 'indexer',
      name: 'indexer',
      answers: {
        snooze: {
          by: 'U0ANA00001',
          at: later(-3 * DAY_MS),
          until: later(-DAY_MS),
          requestedUntil: later(-DAY_MS),
          requested: '2d',
          overLimit: false,
        },
        holdUntil: null,
        held: false,
        tierBump: 0,
      },
    };
    expect(answerNotes([lapsed], NOW)).toEqual([]);
    const eta = {
      id: 'ledger',
      name: 'ledger',
      answers: { eta: { eta: later(DAY_MS), by: 'U0ANA00001', at: NOW }, holdUntil: null, held: false, tierBump: 0 },
    };
    expect(answerNotes([lapsed, eta], NOW)).toEqual(['*ledger*: eta 2026-12-02 (<@U0ANA00001>)']);
  });
});

describe('reactions without users:read: only someone known to be a person counts', () => {
  const PARENT = '1700000000.000100';
  const thread = (reactors: string[], replies: Array<{ user: string; bot_id?: string }> = []) => [
    { ts: PARENT, user: 'U0CHASER', bot_id: 'B0CHASER', reactions: [{ name: 'white_check_mark', users: reactors }] },
    ...replies.map((r, i) => ({ ts: `1700000001.00000${i}`, text: 'thanks, on it', ...r })),
  ];
  const base: ReadBackContext = {
    botUserId: 'U0CHASER',
    bots: new Set(),
    rule: 'anyone',
    team: {},
    listed: [{ id: 'checkout-api', name: null }],
    listedByMessage: new Map(),
    parentTs: PARENT,
    settings: SETTINGS,
    now: NOW,
  };
  const doneBy = (events: NewAckEvent[]) => events.filter((e) => e.kind === 'done').map((e) => e.actor);

  it('any other reaction (👍) by someone who may answer is a response; by someone else, nothing', () => {
    const response = eventsFromThread(
      [{ ts: PARENT, user: 'U0CHASER', bot_id: 'B0CHASER', reactions: [{ name: '+1', users: ['U0BEN', 'U0OUTSIDER'] }] }],
      { ...base, rule: 'team', team: { mention: 'S0PAY', members: new Set(['U0BEN']) } },
    );
    expect(response).toEqual([
      {
        consumerId: null,
        kind: 'response',
        source: 'reaction',
        actor: 'U0BEN',
        messageTs: PARENT,
        body: '+1',
        untilAt: null,
        detail: null,
      },
    ]);
  });

  it('with users:read, any reactor not known to be a bot counts', () => {
    expect(doneBy(eventsFromThread(thread(['U0UNKNOWN']), base))).toEqual(['U0UNKNOWN']);
  });

  it('without it, an unknown reactor (maybe another app) is not counted; a reply author, a group member, a listed user are', () => {
    const unchecked = { ...base, reactorsUnchecked: true };
    expect(doneBy(eventsFromThread(thread(['U0UNKNOWN']), unchecked))).toEqual([]);
    expect(doneBy(eventsFromThread(thread(['U0ANA'], [{ user: 'U0ANA' }]), unchecked))).toEqual(['U0ANA']);
    // A reply by an app does not make its author a person.
    expect(doneBy(eventsFromThread(thread(['U0APP'], [{ user: 'U0APP', bot_id: 'B0APP' }]), unchecked))).toEqual([]);
    const team = { ...unchecked, rule: 'team' as const, team: { mention: 'S0PAY', members: new Set(['U0BEN']) } };
    expect(doneBy(eventsFromThread(thread(['U0BEN', 'U0UNKNOWN']), team))).toEqual(['U0BEN']);
    expect(doneBy(eventsFromThread(thread(['U0CAL', 'U0UNKNOWN']), { ...unchecked, rule: ['U0CAL'] }))).toEqual(['U0CAL']);
  });
});
