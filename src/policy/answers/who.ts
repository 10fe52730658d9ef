/**
 * Who may answer for a team. Only people count: a message or reaction by any bot (chaser itself
 * included) is never an answer. Among people, `answers.who` decides:
 * - "team": members of the team's `mention` user group (usergroups.users.list); a team whose
 *   mention is a single user accepts that user; a team with no user group accepts any person;
 * - a list of user ids: exactly those;
 * - "anyone": any person in the channel.
 */

export type AnswerRule = 'team' | 'anyone' | readonly string[];

/** What a message or reaction says about its author. */
export interface Author {
  user: string | undefined;
  /** Slack's bot_id, present on every message an app posted. */
  botId?: string | undefined;
  subtype?: string | undefined;
}

export function isPerson(author: Author, botUserId: string | undefined): boolean {
  if (!author.user) return false;
  if (author.botId !== undefined && author.botId !== '') return false;
  if (author.subtype === 'bot_message') return false;
  return author.user !== botUserId;
}

/** Reactions carry only user ids: a reaction is a person's unless it is chaser's or a known bot's. */
export function isPersonReacting(user: string, botUserId: string | undefined, knownBots: ReadonlySet<string>): boolean {
  return user !== botUserId && !knownBots.has(user);
}

/**
 * Whether this person may answer for the team. `members`: the team's user-group members when the
 * rule is "team" and the team has a group; undefined when they could not be read (the scope is
 * missing): then anyone human counts, and the run says so once.
 */
export function mayAnswer(
  user: string,
  rule: AnswerRule,
  team: { mention?: string | undefined; members?: ReadonlySet<string> | undefined },
): boolean {
  if (rule === 'anyone') return true;
  if (rule !== 'team') return rule.includes(user);
  const mention = team.mention;
  if (mention === undefined) return true;
  if (/^[UW]/.test(mention)) return user === mention;
  return team.members === undefined ? true : team.members.has(user);
}
