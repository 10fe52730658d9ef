import type { KnownBlock } from '@slack/web-api';

/**
 * Slack's Block Kit limits, and the margins chaser keeps under them. A message over any of these
 * is rejected whole (`invalid_blocks`, `msg_blocks_too_long`), and a rejected nudge is a team
 * that is not chased: the renderers therefore summarise rather than ever exceed them.
 *
 * Lengths are measured in UTF-16 code units (`string.length`). That is never less than the number
 * of characters however Slack counts them, so staying under in code units stays under for Slack.
 */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
export const MAX_HEADER_TEXT = 150;
/** Slack rejects messages whose block text totals roughly 12–13k characters (undocumented); keep clear of it. */
export const MAX_TOTAL_BLOCK_TEXT = 11_000;
/** The top-level `text` (what notifications show); Slack truncates past 40k, but a notification needs far less. */
export const MAX_FALLBACK_TEXT = 3000;

/** Every text object's characters, summed over the blocks: what `msg_blocks_too_long` is about. */
export function blockTextLength(blocks: readonly KnownBlock[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'header') total += block.text.text.length;
    else if (block.type === 'section') {
      total += block.text?.text.length ?? 0;
      for (const field of block.fields ?? []) total += field.text.length;
    } else if (block.type === 'context') {
      for (const element of block.elements) if ('text' in element) total += element.text.length;
    }
  }
  return total;
}

/**
 * Cuts mrkdwn to at most `max` code units, ending in `…`, without leaving half an entity (`&am`)
 * or half a `<…>` construct (a link or mention from a trusted template) that Slack would misparse.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const openAngle = cut.lastIndexOf('<');
  if (openAngle > cut.lastIndexOf('>')) cut = cut.slice(0, openAngle);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return cut.trimEnd() + '…';
}

/** Plain text cut to `max` code units, never inside a surrogate pair. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.trimEnd() + '…';
}

export interface PackBudget {
  /** Characters the packed sections may use in total (the newlines between lines included). */
  chars: number;
  /** Section blocks the packed lines may use. */
  blocks: number;
}

export interface Packed {
  /** Section texts, each at most MAX_SECTION_TEXT, lines joined by newlines. */
  sections: string[];
  /** How many lines fitted; the rest are for the caller to summarise ("…and N more"). */
  taken: number;
  chars: number;
}

/**
 * Packs lines, in order, into as few sections as the section limit allows, stopping at the first
 * line that does not fit the budget (order is priority: a later short line never jumps a longer
 * earlier one). Takes an iterable so the caller can render lines lazily and stop paying for them
 * once the message is full.
 */
export function packLines(lines: Iterable<string>, budget: PackBudget): Packed {
  const sections: string[] = [];
  let current = '';
  let chars = 0;
  let taken = 0;
  for (const raw of lines) {
    const line = truncateMrkdwn(raw, MAX_SECTION_TEXT);
    // Slack rejects an empty text object; an empty line has nothing to show anyway.
    if (line === '') {
      taken += 1;
      continue;
    }
    const joins = current !== '' && current.length + 1 + line.length <= MAX_SECTION_TEXT;
    const cost = joins ? line.length + 1 : line.length;
    const blocksNeeded = sections.length + (current === '' ? 0 : 1) + (joins ? 0 : 1);
    if (chars + cost > budget.chars || blocksNeeded > budget.blocks) break;
    if (joins) current += '\n' + line;
    else {
      if (current !== '') sections.push(current);
      current = line;
    }
    chars += cost;
    taken += 1;
  }
  if (current !== '') sections.push(current);
  return { sections, taken, chars };
}
