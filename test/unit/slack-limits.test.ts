import { describe, expect, it } from 'vitest';
import { contextBlock, headerBlock, sectionBlock } from '../../src/slack/render/blocks.js';
import {
  MAX_HEADER_TEXT,
  MAX_SECTION_TEXT,
  blockTextLength,
  packLines,
  truncateMrkdwn,
  truncatePlain,
} from '../../src/slack/render/limits.js';

describe('packLines', () => {
  it('joins lines into one section while it stays within the section limit', () => {
    const packed = packLines(['a', 'b', 'c'], { chars: 100, blocks: 5 });
    expect(packed).toEqual({ sections: ['a\nb\nc'], taken: 3, chars: 5 });
  });

  it('opens a new section when the next line would pass 3,000 characters', () => {
    const line = 'x'.repeat(1_000);
    const packed = packLines([line, line, line, line], { chars: 10_000, blocks: 5 });
    // Two lines and their newline make 2,001; a third would make 3,002.
    expect(packed.sections.map((s) => s.length)).toEqual([2_001, 2_001]);
    expect(packed.sections.every((s) => s.length <= MAX_SECTION_TEXT)).toBe(true);
    expect(packed.taken).toBe(4);
  });

  it('stops at the first line that does not fit the character budget, keeping the order', () => {
    const packed = packLines(['aaaa', 'bbbbbbbbbb', 'c'], { chars: 12, blocks: 5 });
    expect(packed.sections).toEqual(['aaaa']);
    expect(packed.taken).toBe(1);
  });

  it('stops when the block budget is spent', () => {
    const line = 'y'.repeat(2_000);
    const packed = packLines([line, line, line], { chars: 100_000, blocks: 2 });
    expect(packed.sections).toHaveLength(2);
    expect(packed.taken).toBe(2);
  });

  it('takes nothing with no budget, and asks the iterable for no more than it needs', () => {
    let asked = 0;
    function* lines() {
      for (;;) {
        asked += 1;
        yield 'line';
      }
    }
    expect(packLines(lines(), { chars: 0, blocks: 3 }).taken).toBe(0);
    asked = 0;
    // "line" then "\nline" four times: 24 characters, five lines; the sixth is asked for and refused.
    expect(packLines(lines(), { chars: 24, blocks: 3 }).taken).toBe(5);
    expect(asked).toBe(6);
  });

  it('cuts a single line longer than a section instead of sending it whole', () => {
    const packed = packLines(['z'.repeat(5_000)], { chars: 10_000, blocks: 1 });
    expect(packed.sections[0]).toHaveLength(MAX_SECTION_TEXT);
    expect(packed.sections[0]?.endsWith('…')).toBe(true);
  });
});

describe('truncateMrkdwn', () => {
  it('leaves short text alone', () => {
    expect(truncateMrkdwn('short', 10)).toBe('short');
  });

  it('never leaves half an entity', () => {
    expect(truncateMrkdwn('ab &amp; cd', 6)).toBe('ab…');
  });

  it('never leaves half a link or mention', () => {
    expect(truncateMrkdwn('see <https://wiki.example|runbook> now', 20)).toBe('see…');
    expect(truncateMrkdwn('hi <!subteam^S0123> there', 12)).toBe('hi…');
  });

  it('never splits a surrogate pair', () => {
    const out = truncateMrkdwn('a😀😀😀', 3);
    expect(out).toBe('a…');
  });
});

describe('truncatePlain', () => {
  it('cuts to the limit with an ellipsis', () => {
    expect(truncatePlain('x'.repeat(200), MAX_HEADER_TEXT)).toHaveLength(MAX_HEADER_TEXT);
  });
});

describe('blocks', () => {
  it('are built within their limits and with verbatim mrkdwn', () => {
    expect(headerBlock('h'.repeat(400)).text.text.length).toBe(MAX_HEADER_TEXT);
    expect(sectionBlock('s'.repeat(4_000)).text).toMatchObject({ type: 'mrkdwn', verbatim: true });
    expect(sectionBlock('s'.repeat(4_000)).text?.text.length).toBe(MAX_SECTION_TEXT);
    expect(contextBlock('c').elements).toEqual([{ type: 'mrkdwn', text: 'c', verbatim: true }]);
  });

  it('count every text object toward the total', () => {
    expect(blockTextLength([headerBlock('12345'), sectionBlock('123'), contextBlock('12'), { type: 'divider' }])).toBe(10);
  });
});
