/**
 * The one door for text from the database (and Slack's answers): `printable` makes a value safe to
 * show on one line of a terminal, a log line, a run record or a Slack message. A team key holding
 * `ESC[2K ESC[1A` would otherwise erase and rewrite earlier lines of a dry-run; a bidi override
 * makes `evil.example` read as `elpmaxe.live`. Rows are made printable where they are read
 * (db/consumers.ts), so no output has to remember to do it; Slack escaping (slack/escape.ts)
 * and length limits are applied on top, per output.
 */

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
// Line breaks, tabs and every other C0/C1 control (ESC and CSI included), plus the Unicode
// line/paragraph separators: a value must not start a new line or drive the terminal.
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
/** Anything printable() would change: the quick test that lets clean values (nearly all) pass untouched. */
const NEEDS_WORK =
  /[\u0000-\u001F\u007F-\u00AD\u061C\u115F\u1160\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFDD0-\uFDEF\uFEFF\uFFA0\uFFFE\uFFFF]|\p{Cf}|[^\S ]|^ | $| {2}/u;

/**
 * One line of visible text: invisible and direction-changing characters removed, controls turned
 * into spaces, whitespace collapsed and trimmed. Idempotent; '' when nothing visible is left.
 * No length limit: keys (team, key id) must not be merged by cutting them.
 */
export function printable(s: string): string {
  if (!NEEDS_WORK.test(s)) return s;
  const flags: string[] = [];
  const text = s
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
  let flagIndex = 0;
  return text.replace(/\uFDD1/g, () => flags[flagIndex++] ?? '').replace(/\uFDD0/g, '\u200D');
}

/** printable() for a nullable column: NULL stays NULL (it means "not set", which the policy reports). */
export function printableOrNull(s: string | null): string | null {
  return s === null ? null : printable(s);
}

// What JSON.stringify leaves raw that a terminal may still obey or reorder: DEL, the C1 controls
// (U+009B is CSI on its own), the line separators and the bidi controls.
const JSON_UNSAFE = /[\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * JSON text safe to print: JSON.stringify escapes C0 controls itself; this escapes the rest as
 * \uXXXX, so the parsed value is exactly the same (an id must stay the id the database holds) while
 * no byte of it can drive a terminal. For --json output and for ids quoted in warnings.
 */
export function printableJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
