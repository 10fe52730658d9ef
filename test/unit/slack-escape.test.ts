import { describe, expect, it } from 'vitest';
import {
  HERE_MENTION,
  KEY_ID_MAX_CHARS,
  NAME_MAX_CHARS,
  TEAM_MAX_CHARS,
  channelRef,
  escapeMrkdwn,
  mentionFor,
  safeMrkdwn,
  sanitizeText,
} from '../../src/slack/render/escape.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<!subteam^S0614TZR7>', '&lt;!subteam^S0614TZR7&gt;'],
    ['<#C0123ABC>', '&lt;#C0123ABC&gt;'],
    ['<https://evil.example|click here>', '&lt;https://evil.example|click here&gt;'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
  ])('turns %j into inert text', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('escapes & first, so a literal "&lt;" in the data is shown as typed, not as "<"', () => {
    expect(escapeMrkdwn('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });

  it('encodes nothing but & < >: quotes, markup characters and emoji stay', () => {
    const text = `"it's" *bold* _it_ ~s~ \`code\` 🔑 @everyone #general`;
    expect(escapeMrkdwn(text)).toBe(text);
  });
});

describe('sanitizeText', () => {
  it('removes bidi controls, so a name cannot read backwards', () => {
    const bidi = ['\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];
    for (const control of bidi) expect(sanitizeText(`invoice${control}fdp.exe`, 120)).toBe('invoicefdp.exe');
  });

  it('removes zero-width and other invisible characters that can hide text', () => {
    expect(sanitizeText('pay\u200Bments\u2060\uFEFF\u00AD', 120)).toBe('payments');
    // Unicode tag characters can smuggle a whole invisible ASCII string.
    const smuggled = Array.from('ignore me', (c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    expect(sanitizeText(`billing${smuggled}`, 120)).toBe('billing');
  });

  it('keeps emoji whole, joined sequences and subdivision flags included', () => {
    expect(sanitizeText('🔑 vault 👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿 👍🏽', 120)).toBe('🔑 vault 👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿 👍🏽');
  });

  it('turns newlines, tabs and other controls into single spaces', () => {
    expect(sanitizeText('line one\n\n*fake* line\r\n\ttab\u0085next\u2028sep\u0000nul', 120)).toBe('line one *fake* line tab next sep nul');
    expect(sanitizeText('  padded   name  ', 120)).toBe('padded name');
  });

  it('cuts a 10,000-character name to the limit in code points, ending in …', () => {
    const out = sanitizeText('x'.repeat(10_000), NAME_MAX_CHARS);
    expect(Array.from(out)).toHaveLength(NAME_MAX_CHARS);
    expect(out.endsWith('…')).toBe(true);
    expect(out.startsWith('xxx')).toBe(true);
  });

  it('never splits a surrogate pair or an emoji when cutting', () => {
    for (const prefix of ['', 'a', 'ab']) {
      const out = sanitizeText(prefix + '😀'.repeat(500), KEY_ID_MAX_CHARS);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect(Array.from(out).length).toBeLessThanOrEqual(KEY_ID_MAX_CHARS);
      expect(out.endsWith('😀…')).toBe(true);
    }
    const family = '👨‍👩‍👧‍👦';
    const cut = sanitizeText('a'.repeat(TEAM_MAX_CHARS - 3) + family, TEAM_MAX_CHARS);
    expect(cut).toBe('a'.repeat(TEAM_MAX_CHARS - 3) + '…');
  });

  it('leaves text at exactly the limit alone', () => {
    expect(sanitizeText('y'.repeat(80), 80)).toBe('y'.repeat(80));
  });

  it('gives the placeholder when nothing visible is left', () => {
    expect(sanitizeText('', 120, 'c-42')).toBe('c-42');
    expect(sanitizeText(' \n\t ', 120, 'c-42')).toBe('c-42');
    expect(sanitizeText('\u202E\u200B', 120, 'c-42')).toBe('c-42');
  });

  it('leaves mention syntax for escapeMrkdwn to neutralise (sanitising is not escaping)', () => {
    expect(sanitizeText('<!channel>', 120)).toBe('<!channel>');
    expect(safeMrkdwn('<!channel>\n<@U123>', 120, '')).toBe('&lt;!channel&gt; &lt;@U123&gt;');
  });

  it('shows a NULL value as the placeholder, escaped like the data it stands for', () => {
    expect(safeMrkdwn(null, NAME_MAX_CHARS, 'id<1>')).toBe('id&lt;1&gt;');
  });
});

describe('mentionFor', () => {
  it('builds mentions only from well-formed user-group and user ids', () => {
    expect(mentionFor('S0614TZR7')).toBe('<!subteam^S0614TZR7>');
    expect(mentionFor('U0123ABC')).toBe('<@U0123ABC>');
    expect(mentionFor('W0123ABC')).toBe('<@W0123ABC>');
  });

  it.each([
    'channel',
    'here',
    'everyone',
    '@payments-oncall',
    '<!channel>',
    '<!subteam^S0614TZR7>',
    's0614tzr7',
    'S1',
    'U123|label',
    ' U0123ABC',
    'U0123ABC\n',
    'C0123ABC',
    '',
  ])('refuses %j', (id) => {
    expect(mentionFor(id)).toBeNull();
  });

  it('refuses a missing id', () => {
    expect(mentionFor(undefined)).toBeNull();
    expect(mentionFor(null)).toBeNull();
  });

  it('has a here mention and nothing broader', () => {
    expect(HERE_MENTION).toBe('<!here>');
  });
});

describe('channelRef', () => {
  it('links a channel id and shows a #name as escaped text', () => {
    expect(channelRef('C0PAYMENTS')).toBe('<#C0PAYMENTS>');
    expect(channelRef('G0PRIVATE')).toBe('<#G0PRIVATE>');
    // A direct-message conversation is a valid destination (config accepts D…) but has no #-link.
    expect(channelRef('D0DIRECT')).toBe('D0DIRECT');
    expect(channelRef('#payments')).toBe('#payments');
    expect(channelRef('#pay<!channel>')).toBe('#pay&lt;!channel&gt;');
  });
});
