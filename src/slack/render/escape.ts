import { LINKABLE_CHANNEL_ID, USER_GROUP_ID, USER_ID } from '../../config/identifiers.js';

/**
 * Everything from the database (and every config string that is data, not wording) passes
 * through here before it reaches mrkdwn. Slack parses mentions, links and commands only inside
 * `<…>`, so escaping the three control characters is what makes a consumer named `<!channel>`
 * ping nobody. Mentions chaser does want are built only by `mentionFor`, from validated ids.
 */

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

// Bidi controls can make `evil.example` read as `elpmaxe.live` and reorder a whole line; the
// other format characters (zero-width space, word joiner, soft hyphen, BOM, invisible operators,
// Unicode tags) can hide text from the reader while it still sits in the message. They go first.
// Two exceptions keep emoji whole: a zero-width joiner between two emoji (👩‍💻) and the tag
// characters of a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿).
const FLAG_TAG_SEQUENCE = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;
const EMOJI_ZWJ = /(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}]\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;
// Hangul fillers are letters, not format characters, but render as nothing and are a known way to hide text.
const INVISIBLE_FORMAT = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\u00AD\u115F\u1160\u3164\uFFA0]|\p{Cf}/gu;
// Stand-ins for the kept joiners and flags while the rest is stripped: noncharacters, which are
// removed from the input first, so they cannot collide with data.
const KEEP_ZWJ = '\uFDD0';
const KEEP_TAGS_OPEN = '\uFDD1';
const NONCHARACTERS = /[\uFDD0-\uFDEF\uFFFE\uFFFF]/g;
// Line breaks, tabs and every other C0/C1 control, plus the Unicode line/paragraph separators:
// a name must not start a new line that looks like a message of its own.
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

let graphemes: Intl.Segmenter | undefined;

/**
 * Makes a database value safe to show on one line: invisible and direction-changing characters
 * removed, controls turned into spaces, whitespace collapsed, at most `maxChars` code points
 * (ending in `…` when cut, never inside a surrogate pair or an emoji), and `placeholder` when
 * nothing visible is left. The result still needs `escapeMrkdwn` before it goes into mrkdwn.
 */
export function sanitizeText(s: string, maxChars: number, placeholder = ''): string {
  const flags: string[] = [];
  let text = s
    .replace(NONCHARACTERS, '')
    .replace(FLAG_TAG_SEQUENCE, (flag) => {
      flags.push(flag);
      return KEEP_TAGS_OPEN;
    })
    .replace(EMOJI_ZWJ, KEEP_ZWJ)
    .replace(INVISIBLE_FORMAT, '')
    .replace(CONTROLS, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  if (text === '') return placeholder;
  let flagIndex = 0;
  text = text.replace(/\uFDD1/g, () => flags[flagIndex++] ?? '').replace(/\uFDD0/g, '\u200D');
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
