import { LINKABLE_CHANNEL_ID, USER_GROUP_ID, USER_ID } from '../../config/identifiers.js';

/**
 * Everything from the database (and every config string that is data, not wording) passes
 * through here before it reaches mrkdwn. Slack parses mentions, links and commands only inside
 * `<…>`, so escaping the three control characters is what makes a consumer named `<!channel>`
 * ping nobody. Mentions chaser does want are built only by `mentionFor`, from validated ids.
 */

import { printable } from '../../printable.js';

/** Slack's three control characters, `&` first so `&lt;` in the data stays `&amp;lt;`. Nothing else is encoded. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Most code points shown for a consumer name (a NULL or empty name is shown as the consumer id). */
export const NAME_MAX_CHARS = 120;
/** Most code points shown for a key id or a consumer id. */
export const KEY_ID_MAX_CHARS = 80;
/** Most code points shown for a team key. */
export const TEAM_MAX_CHARS = 80;
/** Most code points shown for a tier name (config, but shown in every footer and digest line). */
export const TIER_NAME_MAX_CHARS = 40;

const ELLIPSIS = '…';

let graphemes: Intl.Segmenter | undefined;

/**
 * Makes a database value safe to show on one line (`printable`, the shared door) and at most `maxChars` code points
 * (ending in `…` when cut, never inside a surrogate pair or an emoji), and `placeholder` when
 * nothing visible is left. The result still needs `escapeMrkdwn` before it goes into mrkdwn.
 */
export function sanitizeText(s: string, maxChars: number, placeholder = ''): string {
  const text = printable(s);
  if (text === '') return placeholder;
  return truncateCodePoints(text, maxChars);
}

/** At most `maxChars` code points, the last one `…` when anything was cut; cuts between graphemes. */
export function truncateCodePoints(text: string, maxChars: number): string {
  // Quick exit without walking the string: UTF-16 length is an upper bound on code points.
  if (text.length <= maxChars) return text;
  const codePoints = Array.from(text);
  if (codePoints.length <= maxChars) return text;
  if (maxChars <= 0) return '';
  const head = codePoints.slice(0, maxChars).join('');
  graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  let kept = '';
  let keptCount = 0;
  for (const { segment } of graphemes.segment(head)) {
    const count = Array.from(segment).length;
    if (keptCount + count > maxChars - 1) break;
    kept += segment;
    keptCount += count;
  }
  return kept.trimEnd() + ELLIPSIS;
}

/** A database value ready for mrkdwn: sanitised, then escaped. */
export function safeMrkdwn(s: string | null | undefined, maxChars: number, placeholder: string): string {
  return escapeMrkdwn(sanitizeText(s ?? '', maxChars, placeholder));
}

/**
 * The only way a mention enters a message: a user group (`S…`) or a user (`U…`/`W…`) id, checked
 * character by character. Anything else (a handle, `channel`, a half-pasted `<!subteam^…>`) is null
 * rather than something Slack might parse.
 */
export function mentionFor(id: string | undefined | null): string | null {
  if (typeof id !== 'string') return null;
  if (USER_GROUP_ID.test(id)) return `<!subteam^${id}>`;
  if (USER_ID.test(id)) return `<@${id}>`;
  return null;
}

/** Tiers whose mention is `here`. chaser never emits `<!channel>` or `<!everyone>`. */
export const HERE_MENTION = '<!here>';

/**
 * A channel as a reader sees it: a C…/G… id becomes a live link (`<#C…>`); a configured `#name`, or
 * a D… direct-message id (which has no #-link), is shown as escaped text, since Slack would not link
 * a name without `link_names` (which chaser never sets).
 */
export function channelRef(channel: string): string {
  if (LINKABLE_CHANNEL_ID.test(channel)) return `<#${channel}>`;
  return safeMrkdwn(channel, TEAM_MAX_CHARS, '(unnamed channel)');
}
