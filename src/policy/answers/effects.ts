import { clip, type ParsedAnswer } from './grammar.js';
import { NOT_ALLOWED, type AckEvent, type NewAckEvent } from './types.js';

/** What answers are worth, from the config (`answers`). */
export interface AnswerSettings {
  /** How long a "done" stops the nudging before the inventory must agree. */
  claimGraceMs: number;
  /** The longest snooze honoured; longer requests are honoured this long and listed for the lead. */
  maxSnoozeMs: number;
  /** A pending consumer not seen on the old key for this long "looks done". */
  quietMs: number;
  /** Reaction names: ✅ done, 💤 snooze, 🙅 not ours. */
  reactions: { done: string; snooze: string; notOurs: string };
}

/** Longest reply text kept in an event (the rest of a 40k message is not worth a row). */
export const BODY_MAX_CHARS = 500;

/** A reply turned into events: one per consumer it is about, or one without a consumer. */
export function eventsFromReply(
  parsed: ParsedAnswer,
  message: { actor: string; ts: string; text: string },
  listedIds: readonly string[],
  now: Date,
): NewAckEvent[] {
  const base = {
    source: 'reply' as const,
    actor: message.actor,
    messageTs: message.ts,
    body: clip(message.text, BODY_MAX_CHARS, '(empty)'),
  };
  if (parsed.kind === 'response') return [{ ...base, consumerId: null, kind: 'response', untilAt: null, detail: null }];
  if (parsed.kind === 'refused') return [{ ...base, consumerId: null, kind: 'refused', untilAt: null, detail: parsed.reason }];
  const ids = parsed.consumers === 'all' ? listedIds : parsed.consumers;
  const untilAt = parsed.kind === 'snooze' ? new Date(now.getTime() + parsed.durationMs) : parsed.kind === 'eta' ? parsed.eta : null;
  const detail =
    parsed.kind === 'snooze'
      ? parsed.reason
        ? `${parsed.requested} ${parsed.reason}`
        : parsed.requested
      : parsed.kind === 'not_ours'
        ? (parsed.team ?? null)
        : null;
  return ids.map((consumerId) => ({ ...base, consumerId, kind: parsed.kind, untilAt, detail }));
}

/** A reaction by a person on a message that listed these consumers. Unknown emoji mean nothing (no event). */
export function eventsFromReaction(
  name: string,
  message: { actor: string; ts: string },
  listedIds: readonly string[],
  settings: AnswerSettings,
  now: Date,
): NewAckEvent[] {
  const kind =
    name === settings.reactions.done
      ? 'done'
      : name === settings.reactions.snooze
        ? 'snooze'
        : name === settings.reactions.notOurs
          ? 'not_ours'
          : null;
  if (kind === null) return [];
  const untilAt = kind === 'snooze' ? new Date(now.getTime() + settings.maxSnoozeMs) : null;
  return listedIds.map((consumerId) => ({
    consumerId,
    kind,
    source: 'reaction' as const,
    actor: message.actor,
    messageTs: message.ts,
    body: name,
    untilAt,
    detail: null,
  }));
}

/** A person outside those allowed to answer for the team: recorded (it was heard), counts for nothing. */
export function notAllowedEvent(message: { actor: string; ts: string; text: string }, source: 'reply' | 'reaction'): NewAckEvent {
  return {
    consumerId: null,
    kind: 'refused',
    source,
    actor: message.actor,
    messageTs: message.ts,
    body: clip(message.text, BODY_MAX_CHARS, '(empty)'),
    untilAt: null,
    detail: NOT_ALLOWED,
  };
}

/** What the inventory says about a consumer that answers are checked against. */
export interface InventoryFacts {
  team: string;
  /** When the consumer last used the revoked key (source.columns.lastSeenOnOldKey), if mapped. */
  lastSeenOnOldKey: Date | null;
}

export type ClaimState =
  /** Claimed done, within claimGrace: not nudged. */
  | 'claimed'
  /** claimGrace passed and the inventory still says pending: chased again, one tier higher. */
  | 'unverified'
  /** Seen on the old key after the claim: chased again at once, one tier higher. */
  | 'contradicted';

export interface ConsumerAnswers {
  claim?: { by: string; at: Date; graceEndsAt: Date; state: ClaimState; seenAt?: Date };
  snooze?: { by: string; at: Date; until: Date; requestedUntil: Date; requested: string; overLimit: boolean; reason?: string };
  /** `eventId`: the not_ours event that is the dispute (posted to the fallbackChannel once, resolved by id). */
  dispute?: { by: string; at: Date; eventId: string; suggestedTeam?: string };
  eta?: { by: string; at: Date; eta: Date };
  /** Pending, but not seen on the old key for quietDays: "looks done — confirm in the inventory". */
  looksDone?: { lastSeenAt: Date };
  /** Not nudged before this instant (claim within grace, snooze); null: no hold. */
  holdUntil: Date | null;
  /** Never nudged in the team's thread while this holds (a dispute). */
  held: boolean;
  /** Tiers added to the one its days overdue give (an unverified or contradicted claim). */
  tierBump: number;
}

/**
 * Folds the recorded events into what they mean now, per consumer still in the inventory. Only
 * the latest event of each kind counts; an event made while the consumer belonged to another
 * team counts for nothing (the owner changed: the new team has not said anything yet). Pure.
 */
export function deriveAnswers(
  events: readonly AckEvent[],
  inventory: ReadonlyMap<string, InventoryFacts>,
  settings: AnswerSettings,
  now: Date,
): Map<string, ConsumerAnswers> {
  const byConsumer = groupByConsumer(events);
  const result = new Map<string, ConsumerAnswers>();
  for (const [id, facts] of inventory) {
    const answers = answersFor(byConsumer.get(id) ?? [], facts, settings, now);
    if (answers) result.set(id, answers);
  }
  return result;
}

/** Events about a consumer, per consumer (answers without one left out): what the planner looks up per row. */
export function groupByConsumer(events: readonly AckEvent[]): Map<string, AckEvent[]> {
  const byConsumer = new Map<string, AckEvent[]>();
  for (const event of events) {
    if (event.consumerId === null || event.kind === 'response' || event.kind === 'refused') continue;
    const list = byConsumer.get(event.consumerId);
    if (list) list.push(event);
    else byConsumer.set(event.consumerId, [event]);
  }
  return byConsumer;
}

/** What one consumer's answers mean now; undefined when nothing applies. */
export function answersFor(
  events: readonly AckEvent[],
  facts: InventoryFacts,
  settings: AnswerSettings,
  now: Date,
): ConsumerAnswers | undefined {
  const seen = facts.lastSeenOnOldKey;
  const nowMs = now.getTime();
  const quiet = seen !== null && nowMs - seen.getTime() >= settings.quietMs;
  // The common row with evidence: no answer, seen lately. Nothing applies; nothing is allocated (a sweep reads a million).
  if (events.length === 0 && !quiet) return undefined;
  const kinds: Partial<Record<'done' | 'snooze' | 'not_ours' | 'eta', AckEvent>> = {};
  for (const event of events) {
    if (event.kind === 'response' || event.kind === 'refused' || event.team !== facts.team) continue;
    const previous = kinds[event.kind];
    if (!previous || isLater(event, previous)) kinds[event.kind] = event;
  }
  const answers: ConsumerAnswers = { holdUntil: null, held: false, tierBump: 0 };
  const done = kinds.done;
  if (done) {
    const at = done.recordedAt;
    const graceEndsAt = new Date(at.getTime() + settings.claimGraceMs);
    if (seen && seen.getTime() > claimedAtMs(done)) {
      answers.claim = { by: done.actor, at, graceEndsAt, state: 'contradicted', seenAt: seen };
      answers.tierBump = 1;
    } else if (nowMs < graceEndsAt.getTime()) {
      answers.claim = { by: done.actor, at, graceEndsAt, state: 'claimed' };
      answers.holdUntil = graceEndsAt;
    } else {
      answers.claim = { by: done.actor, at, graceEndsAt, state: 'unverified' };
      answers.tierBump = 1;
    }
  }
  const snooze = kinds.snooze;
  if (snooze && snooze.untilAt) {
    const at = snooze.recordedAt;
    const cap = at.getTime() + settings.maxSnoozeMs;
    const requestedUntil = snooze.untilAt;
    const until = new Date(Math.min(requestedUntil.getTime(), cap));
    if (requestedUntil.getTime() > nowMs) {
      const [requested = '', ...reason] = (snooze.detail ?? '').split(' ');
      answers.snooze = {
        by: snooze.actor,
        at,
        until,
        requestedUntil,
        requested: requested === '' ? snooze.body : requested,
        overLimit: requestedUntil.getTime() > cap,
        ...(reason.length > 0 ? { reason: reason.join(' ') } : {}),
      };
      // A claim already re-escalating is not quietened by a snooze: the inventory disagreed.
      if (until.getTime() > nowMs && answers.tierBump === 0) {
        answers.holdUntil = new Date(Math.max(answers.holdUntil?.getTime() ?? 0, until.getTime()));
      }
    }
  }
  const dispute = kinds.not_ours;
  if (dispute) {
    answers.dispute = {
      by: dispute.actor,
      at: dispute.recordedAt,
      eventId: dispute.id,
      ...(dispute.detail ? { suggestedTeam: dispute.detail } : {}),
    };
    answers.held = true;
  }
  const eta = kinds.eta;
  if (eta && eta.untilAt) answers.eta = { by: eta.actor, at: eta.recordedAt, eta: eta.untilAt };
  if (!done && quiet) answers.looksDone = { lastSeenAt: seen };
  return answers.claim || answers.snooze || answers.dispute || answers.eta || answers.looksDone ? answers : undefined;
}

/**
 * When a "done" was said, for comparing with the old key's last use: a reply's own Slack ts (a
 * run reads it up to a cadence later), a reaction's harvest (Slack gives a reaction no time; the
 * message's ts would be before it). Never after the harvest: a ts ahead of it (a --now in the
 * past, a skewed clock) is not trusted.
 */
function claimedAtMs(done: AckEvent): number {
  const recorded = done.recordedAt.getTime();
  if (done.source !== 'reply') return recorded;
  const said = Number(done.messageTs) * 1000;
  return Number.isFinite(said) ? Math.min(said, recorded) : recorded;
}

function isLater(a: AckEvent, b: AckEvent): boolean {
  const byTime = a.recordedAt.getTime() - b.recordedAt.getTime();
  if (byTime !== 0) return byTime > 0;
  // The same harvest: Slack's ts orders the messages.
  const byTs = Number(a.messageTs) - Number(b.messageTs);
  if (byTs !== 0) return byTs > 0;
  return BigInt(a.id) > BigInt(b.id);
}

/**
 * "Did the team answer?" (issue 12 builds escalation on it): per team, the last time a person
 * allowed to answer said anything in its thread (reaction, reply, even one not understood),
 * and whether that was after chaser's last nudge. Bots never get this far; people outside the
 * team are recorded as not-allowed refusals and do not count.
 */
export interface TeamAnswerFacts {
  lastAnswerAt: Date | null;
  answeredSinceLastNudge: boolean;
  /** Distinct people who answered, in order of first answer. */
  responders: string[];
  /** Events (not people) recorded, by kind. */
  counts: Record<'done' | 'snooze' | 'not_ours' | 'eta' | 'response' | 'refused', number>;
}

export function teamAnswerFacts(events: readonly AckEvent[], lastNudgedAt: ReadonlyMap<string, Date | null>): Map<string, TeamAnswerFacts> {
  const result = new Map<string, TeamAnswerFacts>();
  for (const event of events) {
    if (event.kind === 'refused' && event.detail === NOT_ALLOWED) continue;
    let facts = result.get(event.team);
    if (!facts) {
      facts = {
        lastAnswerAt: null,
        answeredSinceLastNudge: false,
        responders: [],
        counts: { done: 0, snooze: 0, not_ours: 0, eta: 0, response: 0, refused: 0 },
      };
      result.set(event.team, facts);
    }
    facts.counts[event.kind] += 1;
    if (!facts.responders.includes(event.actor)) facts.responders.push(event.actor);
    if (!facts.lastAnswerAt || event.recordedAt > facts.lastAnswerAt) facts.lastAnswerAt = event.recordedAt;
  }
  for (const [team, facts] of result) {
    const nudged = lastNudgedAt.get(team) ?? null;
    // Harvested after the nudge: the harvest of a run precedes its nudge, so an answer recorded
    // at the nudge's own instant came before it.
    facts.answeredSinceLastNudge = facts.lastAnswerAt !== null && (nudged === null || facts.lastAnswerAt > nudged);
  }
  return result;
}
