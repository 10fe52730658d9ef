import { eventsFromReaction, eventsFromReply, notAllowedEvent, type AnswerSettings } from './effects.js';
import { parseReply } from './grammar.js';
import type { NewAckEvent } from './types.js';
import { isPerson, mayAnswer, type AnswerRule, type Author } from './who.js';

/** A message as Slack's read methods return it: only the fields the harvest looks at. */
export interface ThreadMessage {
  ts: string;
  user?: string | undefined;
  bot_id?: string | undefined;
  subtype?: string | undefined;
  text?: string | undefined;
  reactions?: ReadonlyArray<{ name?: string | undefined; users?: readonly string[] | undefined }> | undefined;
}

export interface ReadBackContext {
  /** chaser's own user id (auth.test): its messages and reactions are never answers. */
  botUserId: string | undefined;
  /** Users known to be bots (seen posting with a bot_id, or users.info said so). */
  bots: ReadonlySet<string>;
  /**
   * Set when chaser cannot ask Slack who is a bot (no users:read): a reaction then counts only from
   * someone known to be a person — a member of the team's user group, a user `answers.who` lists, or
   * the author of a person's reply — since any other reactor may be a bot.
   */
  reactorsUnchecked?: boolean;
  rule: AnswerRule;
  team: { mention?: string | undefined; members?: ReadonlySet<string> | undefined };
  /** Every consumer the thread lists (the parent's answer covers them all), with names for the grammar. */
  listed: ReadonlyArray<{ id: string; name: string | null }>;
  /** chaser's messages in the thread (parent and replies) → the consumers each listed. */
  listedByMessage: ReadonlyMap<string, readonly string[]>;
  parentTs: string;
  settings: AnswerSettings;
  now: Date;
}

/**
 * Turns what was read in a thread into events (pure). Reactions count on chaser's own messages
 * only (the parent and its replies): they answer for the consumers that message listed. Replies by
 * people are parsed with the grammar; a person who may not answer for the team is recorded as a
 * not-allowed refusal; bots and chaser itself are never recorded at all.
 */
export function eventsFromThread(messages: readonly ThreadMessage[], context: ReadBackContext): NewAckEvent[] {
  const events: NewAckEvent[] = [];
  const allIds = context.listed.map((c) => c.id);
  const counts = context.reactorsUnchecked ? knownPeople(messages, context) : () => true;
  for (const message of messages) {
    const ours = message.ts === context.parentTs || context.listedByMessage.has(message.ts) || message.user === context.botUserId;
    if (ours) {
      const listed = message.ts === context.parentTs ? allIds : (context.listedByMessage.get(message.ts) ?? allIds);
      for (const reaction of message.reactions ?? []) {
        const name = reaction.name ?? '';
        for (const user of reaction.users ?? []) {
          if (user === context.botUserId || context.bots.has(user) || !counts(user)) continue;
          const answer = eventsFromReaction(name, { actor: user, ts: message.ts }, listed, context.settings, context.now);
          if (answer.length === 0) {
            // Any other reaction (👍, 👀) by someone who may answer: the team is not ignoring chaser, and nothing changes.
            if (mayAnswer(user, context.rule, context.team)) events.push(reactionResponse(user, message.ts, name));
            continue;
          }
          events.push(
            ...(mayAnswer(user, context.rule, context.team)
              ? answer
              : [notAllowedEvent({ actor: user, ts: message.ts, text: name }, 'reaction')]),
          );
        }
      }
      continue;
    }
    if (!isPerson(authorOf(message), context.botUserId) || context.bots.has(message.user ?? '')) continue;
    const actor = message.user as string;
    const text = message.text ?? '';
    if (!mayAnswer(actor, context.rule, context.team)) {
      events.push(notAllowedEvent({ actor, ts: message.ts, text }, 'reply'));
      continue;
    }
    const parsed = parseReply(text, { listed: context.listed, now: context.now });
    events.push(...eventsFromReply(parsed, { actor, ts: message.ts, text }, allIds, context.now));
  }
  return events;
}

/** The users who reacted to chaser's messages: those not yet known to be people or bots get looked up once. */
export function reactorsOf(messages: readonly ThreadMessage[]): Set<string> {
  const users = new Set<string>();
  for (const message of messages) for (const reaction of message.reactions ?? []) for (const user of reaction.users ?? []) users.add(user);
  return users;
}

/** Without users:read: who chaser knows is a person, by the team's rule or by a person's reply. */
function knownPeople(messages: readonly ThreadMessage[], context: ReadBackContext): (user: string) => boolean {
  const authors = new Set<string>();
  for (const message of messages) if (isPerson(authorOf(message), context.botUserId) && message.user) authors.add(message.user);
  const { rule, team } = context;
  const byRule = (user: string) =>
    Array.isArray(rule) ? rule.includes(user) : rule === 'team' && (team.mention === user || team.members?.has(user) === true);
  return (user) => authors.has(user) || byRule(user);
}

function authorOf(message: ThreadMessage): Author {
  return { user: message.user, botId: message.bot_id, subtype: message.subtype };
}

function reactionResponse(actor: string, ts: string, name: string): NewAckEvent {
  return { consumerId: null, kind: 'response', source: 'reaction', actor, messageTs: ts, body: name, untilAt: null, detail: null };
}
