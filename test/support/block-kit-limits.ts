/**
 * Slack's Block Kit limits for a chat.postMessage payload, written down once so the fake Slack
 * (which rejects like Slack) and the payload checker (which fails a test) can never disagree.
 *
 * Slack publishes no Block Kit schema: these are hand-coded from the reference pages and
 * @slack/types doc comments. Error strings imitate Slack's `errors[]` entries
 * ("must be less than 3001 characters [json-pointer:/blocks/0/text/text]"); the wording of the
 * ones Slack was never seen to send is a guess, the json-pointer part is what tests rely on.
 *
 * Lengths are UTF-16 code units (`string.length`): never fewer than Slack's character count, so a
 * payload that passes here passes at Slack.
 */

export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  blockId: 255,
  /** Undocumented: Slack answers msg_blocks_too_long somewhere around 12–13k characters. */
  totalBlockText: 12_000,
} as const;

export type BlocksVerdict =
  | { ok: true; totalTextLength: number }
  | { ok: false; error: 'invalid_blocks_format' | 'invalid_blocks' | 'msg_blocks_too_long'; errors: string[] };

/** Validates already-decoded `blocks` (the JSON value, not the form string). */
export function validateBlocks(blocks: unknown): BlocksVerdict {
  if (!Array.isArray(blocks)) {
    return { ok: false, error: 'invalid_blocks_format', errors: ['must be an array [json-pointer:/blocks]'] };
  }
  const errors: string[] = [];
  if (blocks.length > BLOCK_KIT_LIMITS.blocksPerMessage) {
    errors.push(`no more than ${BLOCK_KIT_LIMITS.blocksPerMessage} items allowed [json-pointer:/blocks]`);
  }
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => checkBlock(block, `/blocks/${index}`, blockIds, errors));
  if (errors.length > 0) return { ok: false, error: 'invalid_blocks', errors };

  const totalTextLength = textObjectsIn(blocks, '/blocks').reduce((sum, t) => sum + t.text.length, 0);
  if (totalTextLength > BLOCK_KIT_LIMITS.totalBlockText) {
    return {
      ok: false,
      error: 'msg_blocks_too_long',
      errors: [`block text totals ${totalTextLength} characters, over ~${BLOCK_KIT_LIMITS.totalBlockText} [json-pointer:/blocks]`],
    };
  }
  return { ok: true, totalTextLength };
}

export interface LocatedText {
  /** JSON pointer of the string, e.g. `/blocks/2/fields/0/text`. */
  pointer: string;
  text: string;
}

/**
 * Every text a reader sees inside a JSON value: the `text` of each text object (`plain_text`,
 * `mrkdwn`) and of `markdown` blocks, wherever it is nested (sections, fields, context elements,
 * headers, buttons, attachments' blocks).
 */
export function textObjectsIn(value: unknown, pointer: string): LocatedText[] {
  const found: LocatedText[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${at}/${i}`));
      return;
    }
    if (!isObject(node)) return;
    if (isTextType(node['type']) && typeof node['text'] === 'string') {
      found.push({ pointer: `${at}/text`, text: node['text'] });
    }
    for (const [key, child] of Object.entries(node)) {
      if (typeof child === 'object' && child !== null) walk(child, `${at}/${key}`);
    }
  };
  walk(value, pointer);
  return found;
}

function checkBlock(block: unknown, at: string, blockIds: Set<string>, errors: string[]): void {
  if (!isObject(block) || typeof block['type'] !== 'string') {
    errors.push(`missing required field: type [json-pointer:${at}]`);
    return;
  }
  const blockId = block['block_id'];
  if (blockId !== undefined) {
    if (typeof blockId !== 'string' || blockId.length === 0) {
      errors.push(`must be a non-empty string [json-pointer:${at}/block_id]`);
    } else if (blockId.length > BLOCK_KIT_LIMITS.blockId) {
      errors.push(`must be less than ${BLOCK_KIT_LIMITS.blockId + 1} characters [json-pointer:${at}/block_id]`);
    } else if (blockIds.has(blockId)) {
      errors.push(`duplicate block_id [json-pointer:${at}/block_id]`);
    } else {
      blockIds.add(blockId);
    }
  }
  switch (block['type']) {
    case 'section':
      return checkSection(block, at, errors);
    case 'header':
      return checkHeader(block, at, errors);
    case 'context':
      return checkElements(block, at, BLOCK_KIT_LIMITS.contextElements, errors, (element, p) => {
        if (isObject(element) && element['type'] === 'image') return;
        checkTextObject(element, p, { max: Infinity, types: ['plain_text', 'mrkdwn'] }, errors);
      });
    case 'actions':
      return checkElements(block, at, BLOCK_KIT_LIMITS.actionsElements, errors, () => {});
    default:
      // divider, image, rich_text, markdown, …: chaser does not send them; nothing to enforce.
      return;
  }
}

function checkSection(block: Record<string, unknown>, at: string, errors: string[]): void {
  const { text, fields } = block;
  if (text === undefined && fields === undefined) {
    errors.push(`must provide either text or fields [json-pointer:${at}]`);
    return;
  }
  if (text !== undefined) {
    checkTextObject(text, `${at}/text`, { max: BLOCK_KIT_LIMITS.sectionText, types: ['plain_text', 'mrkdwn'] }, errors);
  }
  if (fields === undefined) return;
  if (!Array.isArray(fields)) {
    errors.push(`must be an array [json-pointer:${at}/fields]`);
    return;
  }
  if (fields.length > BLOCK_KIT_LIMITS.sectionFields) {
    errors.push(`no more than ${BLOCK_KIT_LIMITS.sectionFields} items allowed [json-pointer:${at}/fields]`);
  }
  fields.forEach((field, i) =>
    checkTextObject(field, `${at}/fields/${i}`, { max: BLOCK_KIT_LIMITS.fieldText, types: ['plain_text', 'mrkdwn'] }, errors),
  );
}

function checkHeader(block: Record<string, unknown>, at: string, errors: string[]): void {
  checkTextObject(block['text'], `${at}/text`, { max: BLOCK_KIT_LIMITS.headerText, types: ['plain_text'] }, errors);
}

function checkElements(
  block: Record<string, unknown>,
  at: string,
  max: number,
  errors: string[],
  checkElement: (element: unknown, pointer: string) => void,
): void {
  const elements = block['elements'];
  if (!Array.isArray(elements) || elements.length === 0) {
    errors.push(`must be a non-empty array [json-pointer:${at}/elements]`);
    return;
  }
  if (elements.length > max) errors.push(`no more than ${max} items allowed [json-pointer:${at}/elements]`);
  elements.forEach((element, i) => checkElement(element, `${at}/elements/${i}`));
}

function checkTextObject(value: unknown, at: string, rule: { max: number; types: readonly string[] }, errors: string[]): void {
  if (!isObject(value)) {
    errors.push(`must be a text object [json-pointer:${at}]`);
    return;
  }
  if (typeof value['type'] !== 'string' || !rule.types.includes(value['type'])) {
    errors.push(`must be one of [${rule.types.join(', ')}] [json-pointer:${at}/type]`);
  }
  const text = value['text'];
  if (typeof text !== 'string') {
    errors.push(`missing required field: text [json-pointer:${at}/text]`);
  } else if (text.length === 0) {
    errors.push(`must be more than 0 characters [json-pointer:${at}/text]`);
  } else if (text.length > rule.max) {
    errors.push(`must be less than ${rule.max + 1} characters [json-pointer:${at}/text]`);
  }
}

function isTextType(type: unknown): boolean {
  return type === 'plain_text' || type === 'mrkdwn' || type === 'markdown';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
