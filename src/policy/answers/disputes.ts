import type { AnsweredConsumer } from '../types.js';
import type { ThreadMessage } from './read-back.js';
import type { AckEvent } from './types.js';
import { isPersonReacting } from './who.js';

/**
 * Routing disputes ("not ours", 🙅) beyond the team's thread (pure). A dispute is its not_ours
 * event: posted once to the fallbackChannel, and over when the lead reacts ✅ on that post
 * (chasing resumes in the team's thread) or when the consumer is no longer outstanding for the
 * team that disputed it (its owner changed in the inventory, or it is done).
 */

/** A dispute as chaser_dispute_posts holds it (db/disputes.ts returns this shape). */
export interface PostedDispute {
  eventId: string;
  team: string;
  consumerId: string;
  channel: string;
  messageTs: string;
  resolvedAt: Date | null;
  /** The person who reacted ✅, or 'inventory'. */
  resolvedBy: string | null;
}

export interface DisputeToPost {
  eventId: string;
  consumerId: string;
  name: string | null;
  by: string;
  suggestedTeam?: string;
}

/** Per team, the disputes in the plan not posted yet (a resolved one is not in the plan any more). */
export function disputesToPost(
  answered: ReadonlyMap<string, readonly AnsweredConsumer[]>,
  posted: readonly PostedDispute[],
): Map<string, DisputeToPost[]> {
  const done = new Set(posted.map((p) => p.eventId));
  const result = new Map<string, DisputeToPost[]>();
  for (const [team, consumers] of answered) {
    for (const consumer of consumers) {
      const dispute = consumer.answers.dispute;
      if (!dispute || done.has(dispute.eventId)) continue;
      const list = result.get(team) ?? [];
      list.push({
        eventId: dispute.eventId,
        consumerId: consumer.id,
        name: consumer.name,
        by: dispute.by,
        ...(dispute.suggestedTeam ? { suggestedTeam: dispute.suggestedTeam } : {}),
      });
      result.set(team, list);
    }
  }
  return result;
}

/**
 * The open posts whose dispute no longer holds: its consumer is not outstanding for that team any
 * more. Only teams whose every answered consumer the plan lists (fewer than `listedMax`) are
 * judged: beyond that the plan does not say, and the post stays open.
 */
export function disputesEnded(
  posted: readonly PostedDispute[],
  answered: ReadonlyMap<string, readonly AnsweredConsumer[]>,
  listedMax: number,
): string[] {
  const live = new Set<string>();
  for (const consumers of answered.values()) for (const c of consumers) if (c.answers.dispute) live.add(c.answers.dispute.eventId);
  return posted
    .filter((p) => p.resolvedAt === null && !live.has(p.eventId) && (answered.get(p.team)?.length ?? 0) < listedMax)
    .map((p) => p.eventId);
}

/**
 * The events the planner sees: a dispute the lead resolved counts for nothing, nor does any
 * earlier "not ours" about the same consumer from the same team (it was settled with it). A
 * later one is a new dispute.
 */
export function withoutResolvedDisputes(events: readonly AckEvent[], posted: readonly PostedDispute[]): AckEvent[] {
  const settled = new Map<string, bigint>();
  for (const post of posted) {
    if (post.resolvedAt === null) continue;
    const key = `${post.team}\u0000${post.consumerId}`;
    const id = BigInt(post.eventId);
    if ((settled.get(key) ?? -1n) < id) settled.set(key, id);
  }
  if (settled.size === 0) return [...events];
  return events.filter((e) => {
    if (e.kind !== 'not_ours' || e.consumerId === null) return true;
    const upTo = settled.get(`${e.team}\u0000${e.consumerId}`);
    return upTo === undefined || BigInt(e.id) > upTo;
  });
}

/**
 * Who resolved a fallback post: the first person (not chaser, not a known bot) who reacted with
 * the done reaction on it; undefined while nobody has.
 */
export function resolverOf(
  message: Pick<ThreadMessage, 'reactions'>,
  done: string,
  botUserId: string | undefined,
  bots: ReadonlySet<string>,
): string | undefined {
  for (const reaction of message.reactions ?? []) {
    if (reaction.name !== done) continue;
    const person = (reaction.users ?? []).find((user) => isPersonReacting(user, botUserId, bots));
    if (person) return person;
  }
  return undefined;
}
