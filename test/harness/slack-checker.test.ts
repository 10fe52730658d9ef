import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkPostMessage, escapeViolations, mentionConstruct } from '../support/slack-checker.js';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const section = (text: string, type = 'mrkdwn') => ({ type: 'section', text: { type, text } });

/** A payload shaped like chaser's nudges: header, section, fields, context. */
function nudge(overrides: { text?: string; sectionText?: string; header?: string; field?: string; context?: string } = {}) {
  return {
    channel: 'C0PAYMENTS1',
    text: overrides.text ?? '3 consumers of key k-2024 are overdue',
    unfurl_links: 'false',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: overrides.header ?? 'Rotation overdue' } },
      section(overrides.sectionText ?? '*billing-api* &amp; *ledger* still use &lt;k-2024&gt;'),
      { type: 'section', fields: [{ type: 'mrkdwn', text: overrides.field ?? '*Deadline*\n2026-03-01' }] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: overrides.context ?? 'chaser · tier firm' }] },
    ],
  };
}

describe('checkPostMessage: clean payloads', () => {
  it('finds nothing wrong with an escaped nudge', () => {
    expect(checkPostMessage(nudge())).toEqual([]);
  });

  it('accepts still-encoded blocks as the form carries them', () => {
    const payload = nudge();
    expect(checkPostMessage({ ...payload, blocks: JSON.stringify(payload.blocks) })).toEqual([]);
  });

  it('allows exactly the mentions listed, in long or short form', () => {
    const text = 'ping <!subteam^S0614TZR7> and <@U0ALICE01> <!here>';
    expect(checkPostMessage(nudge({ sectionText: text }), { allowedMentions: ['S0614TZR7', '<@U0ALICE01>', 'here'] })).toEqual([]);
  });

  it('anything escaped the three-character way is clean, whatever the data', () => {
    fc.assert(
      // At most 5 code units per character once escaped: these stay within every limit unsliced.
      fc.property(fc.string({ maxLength: 500 }), fc.string({ maxLength: 50 }), (data, name) => {
        const payload = nudge({ text: escape(data) || 'x', sectionText: `*${escape(name)}* ${escape(data)}` });
        expect(checkPostMessage(payload)).toEqual([]);
      }),
    );
  });
});

describe('checkPostMessage: hostile payloads', () => {
  it.each([
    ['a bare @channel mention', { sectionText: 'owner: <!channel>' }, 'blocks/1/text/text: mention <!channel>'],
    ['<!everyone> in the fallback text', { text: 'hey <!everyone>' }, 'text: mention <!everyone>'],
    ['an unlisted user mention', { field: 'owner <@U0MALLORY1>' }, 'blocks/2/fields/0/text: mention <@U0MALLORY1>'],
    ['a link from data', { context: 'see <https://evil.example|docs>' }, 'blocks/3/elements/0/text: unescaped "<"'],
    ['a legacy labelled mention', { sectionText: '<!subteam^S0614TZR7|@sec>' }, 'unescaped "<"'],
    ['a labelled channel link', { sectionText: 'move to <#C0OTHER01|general>' }, 'unescaped "<"'],
    ['a raw < in the header', { header: 'a<b' }, 'blocks/0/text/text: unescaped "<"'],
    ['a raw >', { sectionText: 'x > y' }, 'unescaped ">"'],
    ['a raw &', { text: 'R&D' }, 'text: unescaped "&"'],
    ['a double-escaped-looking bare &', { sectionText: '&amp &lt;' }, 'unescaped "&"'],
    ['an unknown entity', { sectionText: '&quot;' }, 'unescaped "&"'],
  ])('flags %s', (_what, overrides, expected) => {
    const violations = checkPostMessage(nudge(overrides));
    expect(violations.some((v) => v.includes(expected))).toBe(true);
  });

  it('lets a bare channel link through: it links, it pings nobody', () => {
    expect(checkPostMessage(nudge({ sectionText: 'delivered to <#C0OTHER01>' }))).toEqual([]);
  });

  it('flags a mention that is allowed elsewhere only when it is not in the list', () => {
    const payload = nudge({ sectionText: '<!subteam^S0614TZR7> <!subteam^S0BADBAD01>' });
    expect(checkPostMessage(payload, { allowedMentions: ['S0614TZR7'] })).toEqual([
      'blocks/1/text/text: mention <!subteam^S0BADBAD01> at 21 is not allowed here',
    ]);
  });

  it('flags link_names and parse=full, which turn bare @names in data into mentions', () => {
    const violations = checkPostMessage({ ...nudge(), link_names: 'true', parse: 'full' });
    expect(violations).toHaveLength(2);
    expect(violations[0]).toMatch(/^link_names=true/);
    expect(violations[1]).toMatch(/^parse=full/);
    expect(checkPostMessage({ ...nudge(), parse: 'none' })).toEqual([]);
  });

  it('flags a missing fallback text and one over 4,000 characters', () => {
    const { text: _text, ...withoutText } = nudge();
    expect(checkPostMessage(withoutText)).toEqual(['text: missing; notifications and screen readers would show nothing']);
    expect(checkPostMessage(nudge({ text: 'x'.repeat(4001) }))).toEqual(["text: 4001 characters, over chaser's limit of 4000"]);
    expect(checkPostMessage(nudge({ text: 'x'.repeat(4000) }))).toEqual([]);
  });

  it('flags Block Kit limits the same way the fake Slack rejects them', () => {
    const tooMany = { ...nudge(), blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) };
    expect(checkPostMessage(tooMany)).toEqual(['blocks: invalid_blocks: no more than 50 items allowed [json-pointer:/blocks]']);
    const tooLong = { ...nudge(), blocks: [section('x'.repeat(3001))] };
    expect(checkPostMessage(tooLong)).toEqual([
      'blocks: invalid_blocks: must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    const tooMuch = { ...nudge(), blocks: Array.from({ length: 5 }, () => section('x'.repeat(2500))) };
    expect(checkPostMessage(tooMuch)[0]).toMatch(/^blocks: msg_blocks_too_long/);
    expect(checkPostMessage({ ...nudge(), blocks: 'nope' })[0]).toMatch(/^blocks: invalid_blocks_format/);
  });

  it('checks text inside legacy attachments too', () => {
    const violations = checkPostMessage({ ...nudge(), attachments: [{ text: '<!here>', fallback: 'ok' }] });
    expect(violations).toEqual(['attachments/0/text: mention <!here> at 0 is not allowed here']);
  });

  it('any raw <, > or & in data is caught when it is not escaped', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('<', '>', '&'), fc.string(), (before, control, after) => {
        // Mentions are never produced by this: the character is followed by a space.
        const data = `${escape(before)}${control} ${escape(after)}`;
        expect(checkPostMessage(nudge({ sectionText: data }))).not.toEqual([]);
      }),
    );
  });
});

describe('escapeViolations', () => {
  it('names the place, the offset and the surrounding text', () => {
    expect(escapeViolations('Tom & Jerry', 'text')).toEqual(['text: unescaped "&" at 4: "Tom & Jerry"']);
  });
});

describe('mentionConstruct', () => {
  it.each([
    ['here', '<!here>'],
    ['@channel', '<!channel>'],
    ['U0ALICE01', '<@U0ALICE01>'],
    ['W0ALICE01', '<@W0ALICE01>'],
    ['S0614TZR7', '<!subteam^S0614TZR7>'],
    ['<!everyone>', '<!everyone>'],
  ])('reads %s as %s', (input, expected) => {
    expect(mentionConstruct(input)).toBe(expected);
  });

  it('refuses something that is not a mention', () => {
    expect(() => mentionConstruct('bob')).toThrow(/cannot read "bob"/);
  });
});
