import { describe, expect, it } from 'vitest';
import type { Tier } from '../../src/config/types.js';
import { TEMPLATE_PLACEHOLDERS } from '../../src/config/identifiers.js';
import {
  DEFAULT_TEMPLATES,
  TONES,
  renderTemplate,
  splitAtConsumers,
  templateFor,
  toneOf,
} from '../../src/slack/render/templates.js';
import { DEFAULT_TEST_TIERS, GENTLE } from '../support/builders.js';

function ladder(...names: string[]): Tier[] {
  return names.map((name, i) => ({ ...GENTLE, name, afterDaysOverdue: i * 2 }));
}

describe('TEMPLATE_PLACEHOLDERS', () => {
  it('names the five placeholders the config validator also accepts', () => {
    expect([...TEMPLATE_PLACEHOLDERS]).toEqual(['team', 'count', 'oldestDays', 'tier', 'consumers']);
  });
});

describe('renderTemplate', () => {
  it('escapes every inserted value: a team or tier named like a mention pings nobody', () => {
    const out = renderTemplate('Hi *{{team}}* ({{tier}}): {{count}} due, {{oldestDays}}d', {
      team: '<!channel> & <@U123>',
      tier: '<https://evil.example|click>',
      count: 3,
      oldestDays: 9,
    });
    expect(out).toBe('Hi *&lt;!channel&gt; &amp; &lt;@U123&gt;* (&lt;https://evil.example|click&gt;): 3 due, 9d');
  });

  it('keeps the template’s own markup, links and mentions: the template is trusted config', () => {
    expect(renderTemplate('<!here> see <https://wiki.example/rotate|the runbook>, {{team}}', { team: 'a&b' })).toBe(
      '<!here> see <https://wiki.example/rotate|the runbook>, a&amp;b',
    );
  });

  it('replaces every occurrence of a placeholder', () => {
    expect(renderTemplate('{{team}}/{{team}}', { team: 'ops' })).toBe('ops/ops');
  });

  it('leaves unknown placeholders and ones without a value as written', () => {
    expect(renderTemplate('{{owner}} {{team}} {{ team }}', { team: 'ops' })).toBe('{{owner}} ops {{ team }}');
    expect(renderTemplate('{{count}} left', {})).toBe('{{count}} left');
  });
});

describe('splitAtConsumers', () => {
  it('splits the intro from the text after the list', () => {
    expect(splitAtConsumers('Before {{team}}\n{{consumers}}\nAfter')).toEqual({ intro: 'Before {{team}}\n', outro: '\nAfter' });
  });

  it('puts the list after the whole template when it has no {{consumers}}', () => {
    expect(splitAtConsumers('Just an intro')).toEqual({ intro: 'Just an intro', outro: '' });
  });

  it('uses only the first {{consumers}}; later ones are dropped', () => {
    expect(splitAtConsumers('a{{consumers}}b{{consumers}}c')).toEqual({ intro: 'a', outro: 'bc' });
  });
});

describe('toneOf', () => {
  it('maps the default tier names to their tones', () => {
    expect(DEFAULT_TEST_TIERS.map((tier) => toneOf(tier, DEFAULT_TEST_TIERS))).toEqual(['gentle', 'firm', 'urgent', 'critical']);
  });

  it('matches default names whatever their case, wherever they sit in the ladder', () => {
    const tiers = ladder('Critical', 'later');
    expect(toneOf(tiers[0]!, tiers)).toBe('critical');
  });

  it('reads a custom ladder by position: first gentle, last critical, the middle escalating', () => {
    const two = ladder('nudge', 'escalate');
    expect(two.map((t) => toneOf(t, two))).toEqual(['gentle', 'critical']);
    const three = ladder('a', 'b', 'c');
    expect(three.map((t) => toneOf(t, three))).toEqual(['gentle', 'firm', 'critical']);
    const five = ladder('a', 'b', 'c', 'd', 'e');
    expect(five.map((t) => toneOf(t, five))).toEqual(['gentle', 'firm', 'firm', 'urgent', 'critical']);
  });

  it('treats a lone custom tier as the first step', () => {
    const one = ladder('only');
    expect(toneOf(one[0]!, one)).toBe('gentle');
  });
});

describe('default templates', () => {
  it('escalate in tone from a friendly ask to an alarm escalated to security', () => {
    expect(DEFAULT_TEMPLATES.gentle).toMatch(/friendly/);
    expect(DEFAULT_TEMPLATES.gentle).toMatch(/when you get a moment/i);
    expect(DEFAULT_TEMPLATES.firm).toMatch(/this week/);
    expect(DEFAULT_TEMPLATES.urgent).toMatch(/leaked/);
    expect(DEFAULT_TEMPLATES.urgent).toMatch(/\*now\*/);
    expect(DEFAULT_TEMPLATES.critical).toMatch(/CRITICAL/);
    expect(DEFAULT_TEMPLATES.critical).toMatch(/escalated to security/);
    expect(DEFAULT_TEMPLATES.critical).toMatch(/today/);
    // Gentle is the only one that does not press on the deadline.
    expect(DEFAULT_TEMPLATES.gentle).not.toMatch(/\{\{oldestDays\}\}/);
  });

  it('use only known placeholders and carry no mention of their own (mentions come from the tier)', () => {
    for (const tone of TONES) {
      const used = [...DEFAULT_TEMPLATES[tone].matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]);
      for (const name of used) expect(TEMPLATE_PLACEHOLDERS).toContain(name);
      expect(used).toContain('team');
      expect(used).toContain('count');
      expect(DEFAULT_TEMPLATES[tone]).not.toMatch(/[<>&]/);
    }
  });

  it('give way to a tier’s own template', () => {
    const tiers: Tier[] = [{ ...GENTLE, template: 'Custom {{team}}' }];
    expect(templateFor(tiers[0]!, tiers)).toBe('Custom {{team}}');
    expect(templateFor(DEFAULT_TEST_TIERS[3]!, DEFAULT_TEST_TIERS)).toBe(DEFAULT_TEMPLATES.critical);
  });
});
