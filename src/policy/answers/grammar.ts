import { DAY_MS, HOUR_MS } from '../../config/duration.js';

/**
 * The reply grammar, case-insensitive, one line:
 *
 *   done [consumer …]
 *   snooze <duration> [consumer …] [reason]
 *   not ours [consumer …] [@team]
 *   eta <YYYY-MM-DD> [consumer …]
 *
 * With no consumer named, the answer is about every consumer the thread lists. Anything that does
 * not start with one of these words is a plain response (the team is not ignoring chaser) and
 * changes nothing. Reply text is untrusted: only ASCII keywords count (a look-alike "dоne" with a
 * Cyrillic о is refused, not obeyed), consumers must be ones the thread lists, durations and dates
 * are bounded; whatever is refused says why, so the confirmation reply can tell the team.
 */

export type ParsedAnswer =
  | { kind: 'done'; consumers: string[] | 'all' }
  | { kind: 'snooze'; consumers: string[] | 'all'; durationMs: number; requested: string; reason?: string }
  | { kind: 'not_ours'; consumers: string[] | 'all'; team?: string }
  | { kind: 'eta'; consumers: string[] | 'all'; eta: Date }
  | { kind: 'response' }
  | { kind: 'refused'; reason: string };

export interface GrammarContext {
  /** The consumers the thread lists: a reply may name them by id or name (case-insensitive). */
  listed: ReadonlyArray<{ id: string; name: string | null }>;
  now: Date;
}

/** Longest command line read (after mentions); a longer one is refused, not scanned. */
export const COMMAND_MAX_CHARS = 500;
/** Longest snooze anyone may ask for; maxSnooze (config) caps what is granted. */
export const SNOOZE_ASK_MAX_MS = 365 * DAY_MS;
/** An eta further out than this is refused as a typo. */
export const ETA_MAX_AHEAD_MS = 366 * DAY_MS;
/** Longest reason kept from a snooze. */
export const REASON_MAX_CHARS = 200;

const KEYWORDS = ['done', 'snooze', 'not', 'eta'] as const;
const LEADING_MENTIONS = /^(\s*<@[UW][A-Z0-9]+>\s*)+/;
const DURATION = /^(\d{1,3})(h|d|w)$/i;
const UNIT_MS: Record<string, number> = { h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SUBTEAM = /^<!subteam\^(S[A-Z0-9]+)(?:\|@?([^>]*))?>$/;
const LINK = /^<([^<>|]+)(?:\|([^<>]*))?>$/;
const TEAM_WORD = /^@([A-Za-z0-9][A-Za-z0-9._-]{0,79})$/;

/** Slack sends `&`, `<`, `>` of what people typed as entities; mentions and links stay `<…>`. */
function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The first word as a person sees it: format characters gone, compatibility forms folded. */
function skeleton(word: string): string {
  return word
    .replace(/\p{Cf}/gu, '')
    .normalize('NFKC')
    .toLowerCase();
}

/**
 * At most `max` code points of untrusted text, whitespace runs as one space. Not a sanitiser: what
 * is kept is made printable and escaped where it is shown (slack/render/escape.ts).
 */
export function clip(text: string, max: number, placeholder = ''): string {
  const points = Array.from(text.replace(/\s+/g, ' ').trim());
  const clipped = points.length > max ? `${points.slice(0, max - 1).join('')}…` : points.join('');
  return clipped === '' ? placeholder : clipped;
}

export function parseReply(raw: string, context: GrammarContext): ParsedAnswer {
  const text = raw.replace(LEADING_MENTIONS, '').trimStart();
  const firstWord = /^\S*/.exec(text.slice(0, 80))?.[0] ?? '';
  const keyword = firstWord.toLowerCase();
  const isKeyword = (KEYWORDS as readonly string[]).includes(keyword);
  if (!isKeyword) {
    // Looks like a command to a person but is not one to chaser: say so rather than stay silent.
    const seen = skeleton(firstWord);
    if ((KEYWORDS as readonly string[]).includes(seen) && /^[a-z]+$/.test(seen) && seen !== keyword) {
      return { kind: 'refused', reason: `"${seen}" was written with look-alike or invisible characters; type it plainly` };
    }
    return { kind: 'response' };
  }
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.length > COMMAND_MAX_CHARS) {
    return { kind: 'refused', reason: `an answer is one short line (at most ${COMMAND_MAX_CHARS} characters)` };
  }
  const tokens = firstLine
    .split(/[\s,]+/)
    .filter((t) => t !== '')
    .slice(1);

  switch (keyword) {
    case 'done': {
      const consumers = consumersOf(tokens, context);
      return 'refused' in consumers ? { kind: 'refused', reason: consumers.refused } : { kind: 'done', consumers: consumers.ids };
    }
    case 'not': {
      if ((tokens[0] ?? '').toLowerCase() !== 'ours') return { kind: 'response' };
      const rest = tokens.slice(1);
      let team: string | undefined;
      const last = rest.at(-1);
      if (last !== undefined) {
        const suggested = teamOf(last);
        if (suggested !== undefined) {
          team = suggested;
          rest.pop();
        }
      }
      const consumers = consumersOf(rest, context);
      if ('refused' in consumers) return { kind: 'refused', reason: consumers.refused };
      return { kind: 'not_ours', consumers: consumers.ids, ...(team ? { team } : {}) };
    }
    case 'snooze': {
      const [durationText = '', ...rest] = tokens;
      const durationMs = parseSnooze(durationText);
      if (typeof durationMs === 'string') return { kind: 'refused', reason: durationMs };
      // Leading tokens that name listed consumers are the consumers; the rest is the reason.
      const ids: string[] = [];
      let i = 0;
      for (; i < rest.length; i += 1) {
        const id = matchConsumer(rest[i] as string, context);
        if (id === undefined) break;
        if (!ids.includes(id)) ids.push(id);
      }
      const reasonText = clip(decodeEntities(rest.slice(i).join(' ')), REASON_MAX_CHARS);
      return {
        kind: 'snooze',
        consumers: ids.length > 0 ? ids : 'all',
        durationMs,
        requested: durationText.toLowerCase(),
        ...(reasonText !== '' ? { reason: reasonText } : {}),
      };
    }
    case 'eta': {
      const [dateText = '', ...rest] = tokens;
      const eta = parseEta(dateText, context.now);
      if (typeof eta === 'string') return { kind: 'refused', reason: eta };
      const consumers = consumersOf(rest, context);
      return 'refused' in consumers ? { kind: 'refused', reason: consumers.refused } : { kind: 'eta', consumers: consumers.ids, eta };
    }
    default:
      return { kind: 'response' };
  }
}

/** Every token must name a consumer the thread lists; none named means all of them. */
function consumersOf(tokens: readonly string[], context: GrammarContext): { ids: string[] | 'all' } | { refused: string } {
  if (tokens.length === 0) return { ids: 'all' };
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const token of tokens) {
    const id = matchConsumer(token, context);
    if (id === undefined) unknown.push(clip(decodeEntities(token), 40, '?'));
    else if (!ids.includes(id)) ids.push(id);
  }
  if (unknown.length > 0) {
    const shown = unknown
      .slice(0, 5)
      .map((u) => `"${u}"`)
      .join(', ');
    return { refused: `not a consumer this thread lists: ${shown}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}` };
  }
  return { ids };
}

/** A token as a consumer id or name, case-insensitively; Slack's auto-links count by their label. */
function matchConsumer(token: string, context: GrammarContext): string | undefined {
  let word = token;
  const link = LINK.exec(word);
  if (link) {
    // <mailto:x|x>, <http://a.example|a.example>: Slack turned a name into a link.
    if (/^[@#!]/.test(link[1] ?? '')) return undefined;
    word = link[2] ?? (link[1] ?? '').replace(/^[a-z]+:\/\//i, '');
  }
  const wanted = decodeEntities(word).replace(/^`|`$/g, '').toLowerCase();
  if (wanted === '') return undefined;
  for (const consumer of context.listed) {
    if (consumer.id.toLowerCase() === wanted) return consumer.id;
  }
  for (const consumer of context.listed) {
    if (consumer.name !== null && consumer.name.toLowerCase() === wanted) return consumer.id;
  }
  return undefined;
}

/** `@team`, or a user-group mention `<!subteam^S…|@handle>`: the team the consumer belongs to, as written. */
function teamOf(token: string): string | undefined {
  const subteam = SUBTEAM.exec(token);
  if (subteam) return subteam[2] ? clip(subteam[2], 80) : subteam[1];
  const plain = TEAM_WORD.exec(decodeEntities(token));
  return plain?.[1];
}

function parseSnooze(text: string): number | string {
  const match = DURATION.exec(text);
  const example = 'a duration like "3d", "36h" or "2w"';
  if (!match) return text === '' ? `snooze needs ${example}` : `"${clip(decodeEntities(text), 20, '?')}" is not ${example}`;
  const ms = Number(match[1]) * (UNIT_MS[(match[2] ?? '').toLowerCase()] ?? 0);
  if (ms <= 0) return `snooze needs ${example}`;
  if (ms > SNOOZE_ASK_MAX_MS) return 'a snooze is at most 365d';
  return ms;
}

function parseEta(text: string, now: Date): Date | string {
  const match = ISO_DATE.exec(text);
  if (!match) return `eta needs a date like "2026-12-09"`;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return `"${text}" is not a date`;
  }
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (date.getTime() < today) return `${text} is in the past`;
  if (date.getTime() - today > ETA_MAX_AHEAD_MS) return `${text} is more than a year away`;
  return date;
}
