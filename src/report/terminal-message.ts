import type { KnownBlock } from '@slack/web-api';
import kleur from 'kleur';
import type { SlackMessage } from '../slack/render/types.js';

/**
 * Shows a Slack message in a terminal the way a person reads it in Slack, so `dry-run` previews
 * exactly what `sweep` would post: same blocks, no second copy of the wording. Colour follows
 * kleur's own NO_COLOR / FORCE_COLOR / TTY detection.
 */
export interface TerminalMessageOptions {
  /** Columns to wrap at (default 80). */
  width?: number;
  /** Mention id → what to show instead (`S0123ABC` → `@payments-oncall`); unknown ids show as `@S0123ABC`. */
  mentionLabels?: Record<string, string>;
}

interface Style {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  code?: boolean;
  mention?: boolean;
  link?: boolean;
  dim?: boolean;
}

interface Segment {
  text: string;
  style: Style;
}

const DEFAULT_WIDTH = 80;
const MIN_WIDTH = 20;

export function renderMessageForTerminal(message: SlackMessage, options: TerminalMessageOptions = {}): string {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? DEFAULT_WIDTH));
  const labels = options.mentionLabels ?? {};
  const lines: string[] = [];
  if (message.blocks.length === 0) lines.push(...wrapSegments(parseMrkdwn(message.text, {}, labels), width));
  let previous: KnownBlock | undefined;
  for (const block of message.blocks) {
    if (previous && !continues(previous, block)) lines.push('');
    lines.push(...renderBlock(block, width, labels));
    previous = block;
  }
  return lines.join('\n');
}

/**
 * Slack leaves a little space between blocks; a blank line does the same here, except inside a
 * list split over several sections and before the "…and N more" that closes it.
 */
function continues(previous: KnownBlock, block: KnownBlock): boolean {
  if (previous.type !== 'section') return false;
  if (block.type === 'section') return isList(previous) && isList(block);
  if (block.type === 'context') {
    const first = block.elements[0];
    return first !== undefined && 'text' in first && first.text.startsWith('…');
  }
  return false;
}

function isList(block: KnownBlock): boolean {
  return block.type === 'section' && /^\s*•/mu.test(block.text?.text ?? '');
}

function renderBlock(block: KnownBlock, width: number, labels: Record<string, string>): string[] {
  switch (block.type) {
    case 'header':
      return wrapSegments([{ text: block.text.text, style: { bold: true } }], width);
    case 'section': {
      const texts = [...(block.text ? [block.text] : []), ...(block.fields ?? [])];
      return texts.flatMap((text) => wrapSegments(textObject(text, {}, labels), width));
    }
    case 'context': {
      const segments: Segment[] = [];
      for (const element of block.elements) {
        if (!('text' in element)) continue;
        if (segments.length > 0) segments.push({ text: ' ', style: { dim: true } });
        segments.push(...textObject(element, { dim: true }, labels));
      }
      return wrapSegments(segments, width);
    }
    case 'divider':
      return [kleur.dim('─'.repeat(width))];
    default:
      return [];
  }
}

function textObject(object: { type: 'plain_text' | 'mrkdwn'; text: string }, style: Style, labels: Record<string, string>): Segment[] {
  // plain_text is shown by Slack exactly as written: no markup, no mentions, no entities.
  return object.type === 'plain_text' ? [{ text: object.text, style }] : parseMrkdwn(object.text, style, labels);
}

// ---- mrkdwn → styled segments -------------------------------------------------------------------

// `<…>` constructs are set aside behind noncharacter markers first, so emphasis can span them and
// text inside them is never read as markup. Escaped data (`&lt;…&gt;`) has no `<`, so it stays text.
const CONSTRUCT = /<([^<>\n]*)>/g;
const MARKER = /\uFDD0(\d+)\uFDD1/g;
const ENTITY = /&(amp|lt|gt);/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>' };

// Slack's emphasis opens after start/space/punctuation and closes before space/punctuation/end.
const INLINE: ReadonlyArray<{ pattern: RegExp; style: keyof Style }> = [
  { pattern: /`([^`\n]+)`/, style: 'code' },
  { pattern: /(?<![\p{L}\p{N}*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\p{L}\p{N}*])/u, style: 'bold' },
  { pattern: /(?<![\p{L}\p{N}_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\p{L}\p{N}_])/u, style: 'italic' },
  { pattern: /(?<![\p{L}\p{N}~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\p{L}\p{N}~])/u, style: 'strike' },
];

function decodeEntities(text: string): string {
  // One pass, so `&amp;lt;` becomes the literal `&lt;` a user typed, not `<`.
  return text.replace(ENTITY, (_, name: string) => ENTITIES[name] ?? '');
}

function parseMrkdwn(text: string, base: Style, labels: Record<string, string>): Segment[] {
  const constructs: Segment[] = [];
  const marked = text.replace(/[\uFDD0\uFDD1]/g, '').replace(CONSTRUCT, (_, inner: string) => {
    constructs.push(renderConstruct(inner, labels));
    return `\uFDD0${constructs.length - 1}\uFDD1`;
  });
  return parseInline(marked, base, constructs);
}

function parseInline(text: string, style: Style, constructs: readonly Segment[]): Segment[] {
  let earliest: { index: number; length: number; inner: string; style: keyof Style } | undefined;
  for (const rule of INLINE) {
    const match = rule.pattern.exec(text);
    if (match && (earliest === undefined || match.index < earliest.index)) {
      earliest = { index: match.index, length: match[0].length, inner: match[1] ?? '', style: rule.style };
    }
  }
  if (!earliest) return plainSegments(text, style, constructs);
  const inner: Style = { ...style, [earliest.style]: true };
  return [
    ...plainSegments(text.slice(0, earliest.index), style, constructs),
    // Nothing is markup inside a code span.
    ...(earliest.style === 'code' ? plainSegments(earliest.inner, inner, constructs) : parseInline(earliest.inner, inner, constructs)),
    ...parseInline(text.slice(earliest.index + earliest.length), style, constructs),
  ];
}

function plainSegments(text: string, style: Style, constructs: readonly Segment[]): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    if (match.index > last) segments.push({ text: decodeEntities(text.slice(last, match.index)), style });
    const construct = constructs[Number(match[1])];
    if (construct) segments.push({ text: construct.text, style: { ...style, ...construct.style } });
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push({ text: decodeEntities(text.slice(last)), style });
  return segments.filter((segment) => segment.text !== '');
}

function renderConstruct(inner: string, labels: Record<string, string>): Segment {
  const [target = '', label] = splitOnce(inner, '|');
  const mention = (id: string): Segment => ({ text: labels[id] ?? label ?? `@${id}`, style: { mention: true } });
  if (target.startsWith('!subteam^')) return mention(target.slice('!subteam^'.length));
  if (target.startsWith('@')) return mention(target.slice(1));
  if (target === '!here' || target === '!channel' || target === '!everyone') {
    return { text: `@${target.slice(1)}`, style: { mention: true } };
  }
  // A channel link with a name shows as #name, as in Slack. Without one the terminal cannot look
  // the name up, so the id shows as it is written in the config and in chaser's other output
  // (the dry-run's team headings, doctor): "C0PAYMENTS", never a made-up "#C0PAYMENTS".
  if (target.startsWith('#')) return { text: label ? `#${decodeEntities(label)}` : target.slice(1), style: { mention: true } };
  // <!date^…|fallback> and other commands: Slack shows the fallback.
  if (target.startsWith('!')) return { text: decodeEntities(label ?? target.slice(1)), style: {} };
  const url = decodeEntities(target);
  return { text: label ? `${decodeEntities(label)} (${url})` : url, style: { link: true } };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

// ---- wrapping -----------------------------------------------------------------------------------

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ZERO_WIDTH = /[\p{M}\u200B-\u200D\uFE0E\uFE0F]/u;
const DOUBLE_WIDTH =
  /[\p{Extended_Pictographic}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303F\uFF01-\uFF60]/u;

/** Columns a string takes: emoji and East Asian wide characters two, combining marks and joiners none. */
export function displayWidth(text: string): number {
  // Most of what a dry-run wraps is printable ASCII, one column a character: without this the
  // per-character tests below were 73 % of a 100k-consumer dry-run's CPU (profile in BENCHMARKS.md).
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const char of text) {
    if (ZERO_WIDTH.test(char)) continue;
    if (DOUBLE_WIDTH.test(char)) {
      // Pictographs below U+2300 (©, ®, ‼ …) are narrow unless followed by VS16; counting them wide only over-wraps.
      width += 2;
    } else width += 1;
  }
  return width;
}

type Word = Segment[];

/**
 * Greedy word wrap over styled segments; each output line is styled on its own, so a line read
 * alone (a pager, a log) carries its own colour codes. Bullet lines keep a hanging indent.
 */
function wrapSegments(segments: readonly Segment[], width: number): string[] {
  const out: string[] = [];
  for (const paragraph of splitParagraphs(segments)) {
    const plain = paragraph.map((segment) => segment.text).join('');
    const bullet = /^\s*[•◦▪\-–] /u.exec(plain);
    const indent = bullet ? ' '.repeat(displayWidth(bullet[0])) : '';
    const indentWidth = indent.length;
    let line: Segment[] = [];
    let lineWidth = 0;
    let hasWords = false;
    let pendingSpace: Segment | undefined;
    const flush = () => {
      out.push(styleLine(line));
      line = indent ? [{ text: indent, style: {} }] : [];
      lineWidth = indentWidth;
      hasWords = false;
    };
    for (const token of tokenize(paragraph)) {
      if (token.kind === 'space') {
        pendingSpace = token.segment;
        continue;
      }
      const wordWidth = token.word.reduce((sum, segment) => sum + displayWidth(segment.text), 0);
      const space = hasWords ? pendingSpace : undefined;
      // A word too wide for any line is not moved to a fresh one (that would strand a bullet): it is broken here.
      const fitsOnFreshLine = indentWidth + wordWidth <= width;
      if (hasWords && fitsOnFreshLine && lineWidth + (space ? 1 : 0) + wordWidth > width) flush();
      else if (space) {
        line.push(space);
        lineWidth += 1;
      }
      if (lineWidth + wordWidth <= width) {
        // The common case, the word fits: hardBreak measures character by character, which cost
        // 5 % of a 1M-consumer dry-run's CPU while almost never breaking anything.
        line.push(...token.word);
        lineWidth += wordWidth;
      } else {
        for (const piece of hardBreak(token.word, width - lineWidth, width - indentWidth, hasWords)) {
          if (piece === 'break') flush();
          else {
            line.push(piece);
            lineWidth += displayWidth(piece.text);
          }
        }
      }
      hasWords = true;
      pendingSpace = undefined;
    }
    out.push(styleLine(line));
  }
  return out;
}

function splitParagraphs(segments: readonly Segment[]): Segment[][] {
  const paragraphs: Segment[][] = [[]];
  for (const segment of segments) {
    const parts = segment.text.split('\n');
    parts.forEach((part, index) => {
      if (index > 0) paragraphs.push([]);
      if (part !== '') paragraphs[paragraphs.length - 1]?.push({ text: part, style: segment.style });
    });
  }
  return paragraphs;
}

function* tokenize(paragraph: readonly Segment[]): Generator<{ kind: 'space'; segment: Segment } | { kind: 'word'; word: Word }> {
  let word: Word = [];
  let leading = true;
  for (const segment of paragraph) {
    for (const part of segment.text.split(/( +)/)) {
      if (part === '') continue;
      if (part.startsWith(' ')) {
        if (word.length > 0) yield { kind: 'word', word };
        word = [];
        // Leading spaces are indentation the author meant; keep them as part of the first word.
        if (leading) word.push({ text: part, style: segment.style });
        else yield { kind: 'space', segment: { text: ' ', style: segment.style } };
      } else {
        leading = false;
        word.push({ text: part, style: segment.style });
      }
    }
  }
  if (word.length > 0) yield { kind: 'word', word };
}

/** Splits a word wider than the room left (a 10,000-character name) across lines at the width. */
function* hardBreak(word: Word, room: number, fullRoom: number, lineHasWords: boolean): Generator<Segment | 'break'> {
  let left = room;
  let placed = lineHasWords;
  for (const segment of word) {
    let chunk = '';
    let chunkWidth = 0;
    for (const char of segment.text) {
      const w = displayWidth(char);
      // A character wider than an empty line goes on it anyway: never an endless run of breaks.
      if (chunkWidth + w > left && (chunk !== '' || placed)) {
        if (chunk !== '') yield { text: chunk, style: segment.style };
        yield 'break';
        chunk = '';
        chunkWidth = 0;
        left = fullRoom;
        placed = false;
      }
      chunk += char;
      chunkWidth += w;
    }
    if (chunk !== '') {
      yield { text: chunk, style: segment.style };
      placed = true;
    }
    left -= chunkWidth;
  }
}

function styleLine(line: readonly Segment[]): string {
  return line.map((segment) => applyStyle(segment.text, segment.style)).join('');
}

function applyStyle(text: string, style: Style): string {
  let out = text;
  if (style.code) out = kleur.cyan(out);
  if (style.mention) out = kleur.blue(out);
  if (style.link) out = kleur.underline(out);
  if (style.bold) out = kleur.bold(out);
  if (style.italic) out = kleur.italic(out);
  if (style.strike) out = kleur.strikethrough(out);
  if (style.dim) out = kleur.dim(out);
  return out;
}
