import { validateBlocks, textObjectsIn, type LocatedText } from './block-kit-limits.js';

/**
 * An independent check of one decoded chat.postMessage payload (a fake Slack RecordedRequest's
 * `params`): proof that chaser never sends something that pings people it should not, lets data
 * from the database turn into Slack markup, or breaks Slack's limits. It shares nothing with
 * chaser's renderer, so a bug in the renderer's escaping cannot hide itself here.
 *
 * Slack reads `&`, `<` and `>` as markup in message text, so every one of them in chaser's output
 * must either be an entity (`&amp;` `&lt;` `&gt;`) or belong to a mention chaser was configured
 * to make. Everything starting with `<` (mentions, channel links, `<url|label>`, `<!date…>`) is
 * otherwise forbidden. plain_text objects get the same rule: being strict costs nothing here.
 */

export interface CheckOptions {
  /**
   * The mentions this payload may contain. Either the literal construct (`<!here>`,
   * `<@U123ABC>`, `<!subteam^S0614TZR7>`) or its short form (`here`, `U123ABC`, `S0614TZR7`).
   * Default: none.
   */
  allowedMentions?: readonly string[];
}

/** chaser's own ceiling for the top-level `text` (what notifications show); Slack's is 40,000. */
export const FALLBACK_TEXT_LIMIT = 4000;

/** The only `<…>` constructs chaser may ever produce; user-group and user IDs as Slack shapes them. */
const MENTION = /<(?:@[UW][A-Z0-9]+|!subteam\^S[A-Z0-9]+|!here|!channel|!everyone)>/y;
/** A bare channel link (`<#C…>`) pings nobody: allowed anywhere, unlike a `<#C…|label>` or any other construct. */
const CHANNEL_LINK = /<#[CG][A-Z0-9]+>/y;
const ENTITY = /&(?:amp|lt|gt);/y;

/** Every violation in the payload, each naming where it is; empty when the payload is clean. */
export function checkPostMessage(params: Readonly<Record<string, unknown>>, options: CheckOptions = {}): string[] {
  const allowed = new Set((options.allowedMentions ?? []).map(mentionConstruct));
  const violations: string[] = [];

  if (params['link_names'] !== undefined) {
    const value = params['link_names'];
    violations.push(
      `link_names=${typeof value === 'string' ? value : JSON.stringify(value)} is set: it turns bare @names in data into mentions`,
    );
  }
  if (params['parse'] === 'full') violations.push('parse=full is set: it turns bare @names and #channels in data into links');

  const text = params['text'];
  if (text === undefined || text === '') {
    violations.push('text: missing; notifications and screen readers would show nothing');
  } else if (typeof text !== 'string') {
    violations.push(`text: expected a string, got ${typeof text}`);
  } else {
    if (text.length > FALLBACK_TEXT_LIMIT) {
      violations.push(`text: ${text.length} characters, over chaser's limit of ${FALLBACK_TEXT_LIMIT}`);
    }
    violations.push(...escapeViolations(text, 'text', allowed));
  }

  if (typeof params['markdown_text'] === 'string') {
    violations.push(...escapeViolations(params['markdown_text'], 'markdown_text', allowed));
  }

  const blocks = decoded(params['blocks']);
  if (blocks !== undefined) {
    const verdict = validateBlocks(blocks);
    if (!verdict.ok) violations.push(...verdict.errors.map((e) => `blocks: ${verdict.error}: ${e}`));
    violations.push(...textsViolations(textObjectsIn(blocks, '/blocks'), allowed));
  }

  const attachments = decoded(params['attachments']);
  if (attachments !== undefined) violations.push(...textsViolations(attachmentTexts(attachments), allowed));

  return violations;
}

/**
 * Violations of the escaping rule in one mrkdwn string (`where` names it in the messages): a `<`
 * that does not open an allowed mention, a mention not in `allowed`, a bare `&`, a raw `>`.
 */
export function escapeViolations(text: string, where: string, allowed: ReadonlySet<string> = new Set()): string[] {
  const violations: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '<') {
      CHANNEL_LINK.lastIndex = i;
      const link = CHANNEL_LINK.exec(text)?.[0];
      if (link !== undefined) {
        i += link.length - 1;
        continue;
      }
      MENTION.lastIndex = i;
      const mention = MENTION.exec(text)?.[0];
      if (mention === undefined) {
        violations.push(`${where}: unescaped "<" at ${i}: ${excerpt(text, i)}`);
      } else {
        if (!allowed.has(mention)) violations.push(`${where}: mention ${mention} at ${i} is not allowed here`);
        i += mention.length - 1;
      }
    } else if (char === '>') {
      violations.push(`${where}: unescaped ">" at ${i}: ${excerpt(text, i)}`);
    } else if (char === '&') {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(text)) violations.push(`${where}: unescaped "&" at ${i}: ${excerpt(text, i)}`);
    }
  }
  return violations;
}

/** `here` → `<!here>`, `U123` → `<@U123>`, `S123` → `<!subteam^S123>`; literal constructs unchanged. */
export function mentionConstruct(mention: string): string {
  if (mention.startsWith('<')) return mention;
  const bare = mention.replace(/^[!@]/, '');
  if (bare === 'here' || bare === 'channel' || bare === 'everyone') return `<!${bare}>`;
  if (/^[UW][A-Z0-9]+$/.test(bare)) return `<@${bare}>`;
  if (/^S[A-Z0-9]+$/.test(bare)) return `<!subteam^${bare}>`;
  throw new Error(`slack-checker: cannot read ${JSON.stringify(mention)} as a mention`);
}

function textsViolations(texts: readonly LocatedText[], allowed: ReadonlySet<string>): string[] {
  return texts.flatMap(({ pointer, text }) => escapeViolations(text, pointer.slice(1), allowed));
}

/** Legacy attachments carry mrkdwn in plain string fields besides any nested blocks. */
function attachmentTexts(attachments: unknown): LocatedText[] {
  if (!Array.isArray(attachments)) return [];
  return attachments.flatMap((attachment, i) => {
    if (typeof attachment !== 'object' || attachment === null) return [];
    const fields = attachment as Record<string, unknown>;
    const strings = ['text', 'pretext', 'fallback', 'title', 'footer'].flatMap((key) => {
      const value = fields[key];
      return typeof value === 'string' ? [{ pointer: `/attachments/${i}/${key}`, text: value }] : [];
    });
    return [...strings, ...textObjectsIn(fields['blocks'], `/attachments/${i}/blocks`)];
  });
}

/** A JSON field as a value, whether the params were already decoded or still carry the form string. */
function decoded(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // validateBlocks reports it as invalid_blocks_format
  }
}

function excerpt(text: string, at: number): string {
  return JSON.stringify(text.slice(Math.max(0, at - 15), at + 15));
}
