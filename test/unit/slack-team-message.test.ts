import { describe, expect, it } from 'vitest';
import type { Tier } from '../../src/config/types.js';
import type { Route } from '../../src/policy/types.js';
import { NAME_MAX_CHARS } from '../../src/slack/render/escape.js';
import { renderTeamMessage } from '../../src/slack/render/team-message.js';
import { DEFAULT_TEMPLATES } from '../../src/slack/render/templates.js';
import { checkPostMessage } from '../support/slack-checker.js';
import {
  TEAM_ROUTE,
  allText,
  expectWithinSlackLimits,
  listedConsumer,
  listedConsumers,
  teamPlan,
  textObjects,
} from '../support/slack-builders.js';
import { CRITICAL, DEFAULT_TEST_TIERS, FIRM, GENTLE, URGENT } from '../support/builders.js';
import { NOW } from '../support/clock.js';

function consumerLines(message: { blocks: Parameters<typeof textObjects>[0] }): string[] {
  return textObjects(message.blocks)
    .filter((o) => o.type === 'mrkdwn')
    .flatMap((o) => o.text.split('\n'))
    .filter((line) => line.startsWith('• '));
}

function moreLine(message: { blocks: Parameters<typeof textObjects>[0] }): string | undefined {
  return textObjects(message.blocks).find((o) => o.text.startsWith('…and '))?.text;
}

describe('renderTeamMessage: the list', () => {
  it('lists one consumer with its key, deadline and days overdue', () => {
    const message = renderTeamMessage(teamPlan({ listed: [listedConsumer({ daysOverdue: 1 })] }), NOW, DEFAULT_TEST_TIERS);
    expect(consumerLines(message)).toEqual(['• *billing-worker* — key `key-2025-q4` · deadline 2026-03-09 · 1 day overdue']);
    expect(message.listedCount).toBe(1);
    expect(moreLine(message)).toBeUndefined();
    expectWithinSlackLimits(message);
  });

  it('says "less than a day overdue" on the first day past the deadline, and counts days after', () => {
    const message = renderTeamMessage(
      teamPlan({ listed: [listedConsumer({ id: 'a', daysOverdue: 0 }), listedConsumer({ id: 'b', daysOverdue: 5 })] }),
      NOW,
      DEFAULT_TEST_TIERS,
    );
    const lines = consumerLines(message);
    expect(lines[0]).toMatch(/· 5 days overdue$/);
    expect(lines[1]).toMatch(/· less than a day overdue$/);
  });

  it('shows a NULL or blank name as the consumer id, and a missing key id as unknown', () => {
    const message = renderTeamMessage(
      teamPlan({ listed: [listedConsumer({ id: 'svc-<7>', name: null }), listedConsumer({ id: 'svc-8', name: ' \n ', keyId: null })] }),
      NOW,
      DEFAULT_TEST_TIERS,
    );
    const lines = consumerLines(message);
    expect(lines[0]).toMatch(/^• \*svc-&lt;7&gt;\* — key `key-2025-q4`/);
    expect(lines[1]).toMatch(/^• \*svc-8\* — key _unknown_ ·/);
  });

  it('lists 10 consumers, most overdue first, with no "more" line', () => {
    const plan = teamPlan({ listed: listedConsumers(10) });
    const message = renderTeamMessage(plan, NOW, DEFAULT_TEST_TIERS);
    expect(message.listedCount).toBe(10);
    expect(consumerLines(message).map((l) => /\*(.+?)\*/.exec(l)?.[1])).toEqual(plan.listed.map((l) => l.name));
    expect(moreLine(message)).toBeUndefined();
    expectWithinSlackLimits(message);
  });

  it('counts the consumers the policy did not list: "…and 212 more"', () => {
    const message = renderTeamMessage(teamPlan({ listed: listedConsumers(50), dueCount: 262 }), NOW, DEFAULT_TEST_TIERS);
    expect(message.listedCount).toBe(50);
    expect(consumerLines(message)).toHaveLength(50);
    expect(moreLine(message)).toBe('…and 212 more (most overdue listed first)');
    expectWithinSlackLimits(message);
  });

  it('stays within every limit with 5,000 due consumers named with 10,000 characters each', () => {
    const hostile = (i: number) => `<!channel>${i}&`.padEnd(10_000, i % 2 ? '&<>' : '😀');
    const plan = teamPlan({ listed: listedConsumers(5_000, hostile) });
    const message = renderTeamMessage(plan, NOW, DEFAULT_TEST_TIERS);
    expectWithinSlackLimits(message);
    expect(checkPostMessage({ ...message }, { allowedMentions: ['S0ONCALL'] })).toEqual([]);
    const lines = consumerLines(message);
    expect(lines.length).toBe(message.listedCount);
    expect(message.listedCount).toBeGreaterThan(0);
    expect(message.listedCount).toBeLessThan(5_000);
    expect(moreLine(message)).toBe(`…and ${5_000 - message.listedCount} more (most overdue listed first)`);
    // Names are cut to NAME_MAX_CHARS code points before escaping.
    const shown = /^• \*(.+?)\* — key/.exec(lines[0] ?? '')?.[1] ?? '';
    const unescaped = shown.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(Array.from(unescaped)).toHaveLength(NAME_MAX_CHARS);
    expect(unescaped.endsWith('…')).toBe(true);
  });

  it('fits a long list into as many sections as the limits allow, none over 3,000 characters', () => {
    const message = renderTeamMessage(
      teamPlan({ listed: listedConsumers(400, (i) => `service-${i}-`.padEnd(100, 'x')) }),
      NOW,
      DEFAULT_TEST_TIERS,
    );
    const listSections = message.blocks.filter((b) => b.type === 'section' && b.text?.text.startsWith('• '));
    expect(listSections.length).toBeGreaterThan(1);
    expectWithinSlackLimits(message);
    expect(message.listedCount + Number(/…and (\d+) more/.exec(moreLine(message) ?? '')?.[1])).toBe(400);
  });
});

describe('renderTeamMessage: mentions', () => {
  const routes: Record<string, Route> = {
    'team with a user group': TEAM_ROUTE,
    'team with a user': { kind: 'team', channel: 'C0PAYMENTS', mention: 'U0LEAD' },
    'team without a mention': { kind: 'team', channel: 'C0PAYMENTS' },
    'team with a malformed mention': { kind: 'team', channel: 'C0PAYMENTS', mention: '<!channel>' },
    fallback: { kind: 'fallback', channel: 'C0SECURITY' },
    unrouted: { kind: 'unrouted' },
  };
  const expected: Record<string, Record<Tier['mention'], string | null>> = {
    'team with a user group': { none: null, team: '<!subteam^S0ONCALL>', here: '<!here>' },
    'team with a user': { none: null, team: '<@U0LEAD>', here: '<!here>' },
    'team without a mention': { none: null, team: null, here: '<!here>' },
    'team with a malformed mention': { none: null, team: null, here: '<!here>' },
    fallback: { none: null, team: null, here: '<!here>' },
    unrouted: { none: null, team: null, here: null },
  };

  for (const [label, route] of Object.entries(routes)) {
    for (const mode of ['none', 'team', 'here'] as const) {
      it(`${label}, tier mention ${mode}: ${expected[label]?.[mode] ?? 'no mention'}`, () => {
        const tier: Tier = { ...URGENT, mention: mode };
        const message = renderTeamMessage(teamPlan({ route, tier, listed: [listedConsumer({ daysOverdue: 8 })] }), NOW, DEFAULT_TEST_TIERS);
        const mention = expected[label]?.[mode] ?? null;
        const intro = textObjects(message.blocks)[1]?.text ?? '';
        if (mention === null) {
          expect(allText(message)).not.toContain('<');
        } else {
          // The fallback text carries the mention too, so the notification pings.
          expect(message.text.startsWith(`${mention} `)).toBe(true);
          expect(intro.startsWith(`${mention} `)).toBe(true);
          expect(checkPostMessage({ ...message }, { allowedMentions: [mention] })).toEqual([]);
        }
        expectWithinSlackLimits(message);
      });
    }
  }

  it('explains a fallback route: the team has no channel configured', () => {
    const message = renderTeamMessage(teamPlan({ team: 'ledger', route: { kind: 'fallback', channel: 'C0SEC' } }), NOW, DEFAULT_TEST_TIERS);
    expect(allText(message)).toContain("Routed here because team *ledger* has no channel in chaser's config");
  });

  it('says a message for an unrouted team cannot be delivered (dry-run shows it)', () => {
    const message = renderTeamMessage(teamPlan({ team: 'ledger', route: { kind: 'unrouted' } }), NOW, DEFAULT_TEST_TIERS);
    expect(allText(message)).toContain('Not deliverable: team *ledger* has no channel');
  });

  it('says nothing about routing on a team route', () => {
    expect(allText(renderTeamMessage(teamPlan({}), NOW, DEFAULT_TEST_TIERS))).not.toMatch(/Routed here|Not deliverable/);
  });
});

describe('renderTeamMessage: hostile data', () => {
  it('never lets a consumer, key or team name ping, link or break markup', () => {
    const names = [
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<@U123ABC>',
      '<https://evil.example|click>',
      '&lt;!channel&gt;',
      'evil\u202Etxt.exe',
      'a\nb',
      '🔑 vault',
    ];
    const plan = teamPlan({
      team: '<!subteam^S999>&',
      route: { kind: 'team', channel: 'C0X', mention: 'S0ONCALL' },
      listed: names.map((name, i) => listedConsumer({ id: `c${i}`, name, keyId: `<#C0${i}>`, daysOverdue: 20 })),
    });
    const message = renderTeamMessage(plan, NOW, DEFAULT_TEST_TIERS);
    expect(checkPostMessage({ ...message }, { allowedMentions: ['S0ONCALL'] })).toEqual([]);
    expectWithinSlackLimits(message);
    const lines = consumerLines(message);
    expect(lines[0]).toContain('*&lt;!channel&gt;*');
    expect(lines[5]).toContain('*&amp;lt;!channel&amp;gt;*');
    expect(lines[6]).toContain('*eviltxt.exe*');
    expect(lines[7]).toContain('*a b*');
    expect(lines[8]).toContain('*🔑 vault*');
    expect(message.text).toContain('&lt;!subteam^S999&gt;&amp;');
  });
});

describe('renderTeamMessage: wording', () => {
  it('speaks in the tone of the plan’s tier, from header to footer', () => {
    const gentle = renderTeamMessage(teamPlan({ tier: GENTLE, listed: [listedConsumer({ daysOverdue: 0 })] }), NOW, DEFAULT_TEST_TIERS);
    expect(gentle.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '🔑 Gentle: key rotation reminder' } });
    expect(allText(gentle)).toMatch(/When you get a moment/);
    const critical = renderTeamMessage(
      teamPlan({ tier: CRITICAL, listed: [listedConsumer({ daysOverdue: 20 })] }),
      NOW,
      DEFAULT_TEST_TIERS,
    );
    expect(critical.blocks[0]).toMatchObject({ text: { text: '🚨 CRITICAL: revoked key still in use' } });
    expect(allText(critical)).toMatch(/escalated to security/);
  });

  it.each(DEFAULT_TEST_TIERS.map((tier) => [tier.name, tier] as const))(
    'names the %s tier once in the whole message, in the header',
    (name, tier) => {
      const message = renderTeamMessage(
        teamPlan({ tier, listed: [listedConsumer({ daysOverdue: tier.afterDaysOverdue })] }),
        NOW,
        DEFAULT_TEST_TIERS,
      );
      const texts = textObjects(message.blocks).map((o) => o.text.toLowerCase());
      expect(texts.join('\n').match(new RegExp(`\\b${name}\\b`, 'g'))).toHaveLength(1);
      expect(texts[0]).toContain(name);
    },
  );

  it('names a custom tier in the body only, when its template says {{tier}}', () => {
    const p1: Tier = { ...CRITICAL, name: 'p1', template: '*{{team}}*: {{tier}} incident, {{count}} open.' };
    const message = renderTeamMessage(teamPlan({ tier: p1, listed: [listedConsumer({ daysOverdue: 20 })] }), NOW, [GENTLE, p1]);
    const texts = textObjects(message.blocks).map((o) => o.text);
    expect(texts[0]).toBe('🚨 Revoked key still in use');
    expect(texts.join('\n').split('p1').length - 1).toBe(1);
    const plain = renderTeamMessage(
      teamPlan({ tier: { ...p1, template: undefined }, listed: [listedConsumer({ daysOverdue: 20 })] }),
      NOW,
      [GENTLE, p1],
    );
    expect(textObjects(plain.blocks)[0]?.text).toBe('🚨 p1: revoked key still in use');
  });

  it('asks each consumer what its own tier asks: a critical message does not tell a consumer one day overdue to act today', () => {
    const message = renderTeamMessage(
      teamPlan({
        listed: [
          listedConsumer({ id: 'old', name: 'checkout-api', daysOverdue: 16 }),
          listedConsumer({ id: 'mid', name: 'refunds-worker', daysOverdue: 9 }),
          listedConsumer({ id: 'new', name: 'ledger-reconciler', daysOverdue: 1 }),
          listedConsumer({ id: 'new2', name: 'ledger-export', daysOverdue: 0 }),
        ],
      }),
      NOW,
      DEFAULT_TEST_TIERS,
    );
    expect(message.blocks[0]).toMatchObject({ text: { text: '🚨 CRITICAL: revoked key still in use' } });
    const list =
      textObjects(message.blocks)
        .map((o) => o.text)
        .find((t) => t.includes('• *checkout-api*')) ?? '';
    expect(list.split('\n')).toEqual([
      'This one needs action *today*: move it to the new key, or reply in a thread here with who is on it and by when:',
      expect.stringMatching(/^• \*checkout-api\* .* 16 days overdue$/),
      'Please move this one to the new key *now*:',
      expect.stringMatching(/^• \*refunds-worker\* .* 9 days overdue$/),
      '_When you get a moment_, please move these to the new key:',
      expect.stringMatching(/^• \*ledger-reconciler\* .* 1 day overdue$/),
      expect.stringMatching(/^• \*ledger-export\* .* less than a day overdue$/),
    ]);
    const intro = textObjects(message.blocks)[1]?.text ?? '';
    expect(intro).not.toMatch(/today|now|these need/i);
    expect(message.listedCount).toBe(4);
  });

  it('fills the default template with the team, the due count and the oldest days overdue', () => {
    const plan = teamPlan({ tier: FIRM, listed: listedConsumers(3), dueCount: 7 });
    const intro = textObjects(renderTeamMessage(plan, NOW, DEFAULT_TEST_TIERS).blocks)[1]?.text;
    expect(intro).toContain('*payments*');
    expect(intro).toContain('Still pending: *7*');
    expect(intro).toContain('oldest: *30d* overdue');
  });

  it('puts the plain fallback text together: mention, team, count, worst days overdue', () => {
    const message = renderTeamMessage(teamPlan({ listed: listedConsumers(2), dueCount: 2 }), NOW, DEFAULT_TEST_TIERS);
    expect(message.text).toBe(
      '<!subteam^S0ONCALL> CRITICAL: team payments has 2 consumers still on a revoked key (worst: 30 days overdue).',
    );
  });

  it('ends with who sent it, how often it repeats and how to make it stop', () => {
    const message = renderTeamMessage(teamPlan({ tier: URGENT, listed: [listedConsumer({ daysOverdue: 8 })] }), NOW, DEFAULT_TEST_TIERS);
    const last = message.blocks.at(-1);
    expect(last?.type).toBe('context');
    const footer = textObjects([last!])[0]?.text ?? '';
    expect(footer).toContain('Sent by chaser · repeats every 24h while pending');
    expect(footer).toContain('set its status to `confirmed` in the rotation inventory (or `exempt` if it cannot move).');
  });

  it('tells the team the configured vocabulary: the mapped status column and the done values, not `confirmed`', () => {
    const plan = teamPlan({ tier: URGENT, listed: [listedConsumer({ daysOverdue: 8 })] });
    const footerOf = (vocabulary: { column: string; done: string[] }) =>
      textObjects([renderTeamMessage(plan, NOW, DEFAULT_TEST_TIERS, vocabulary).blocks.at(-1)!])[0]?.text ?? '';
    const mapped = footerOf({ column: 'state', done: ['DONE', 'WONTFIX'] });
    expect(mapped).toContain('set its `state` to `DONE` in the rotation inventory (or `WONTFIX` if it cannot move).');
    expect(mapped).not.toMatch(/confirmed|exempt/);
    expect(footerOf({ column: 'state', done: ['rotated'] })).toContain('set its `state` to `rotated` in the rotation inventory.');
    // A done value is config text: escaped, and no backtick of its own can end the code span.
    expect(footerOf({ column: 'status', done: ['<!here> `x`'] })).toContain("to `&lt;!here&gt; 'x'`");
  });

  it("gives each listed tier's cadence, most overdue first, when the list spans tiers", () => {
    const message = renderTeamMessage(
      teamPlan({ listed: [listedConsumer({ id: 'a', daysOverdue: 20 }), listedConsumer({ id: 'b', daysOverdue: 1 })] }),
      NOW,
      DEFAULT_TEST_TIERS,
    );
    expect(textObjects([message.blocks.at(-1)!])[0]?.text).toContain('repeats every 12h / 72h while pending, by how overdue each is');
  });

  it('places the list where a custom template says {{consumers}}, with the rest after it', () => {
    const tier: Tier = { ...FIRM, template: 'Team {{team}} ({{tier}}):\n{{consumers}}\nThanks, {{team}}! <https://wiki.example|runbook>' };
    const message = renderTeamMessage(teamPlan({ tier, listed: [listedConsumer({ daysOverdue: 4 })] }), NOW, [GENTLE, tier]);
    const texts = textObjects(message.blocks).map((o) => o.text);
    const intro = texts.indexOf('Team payments (firm):');
    const list = texts.findIndex((t) => t.includes('\n• *billing-worker*'));
    const outro = texts.indexOf('Thanks, payments! <https://wiki.example|runbook>');
    expect(intro).toBeGreaterThan(0);
    expect(list).toBe(intro + 1);
    expect(outro).toBe(list + 1);
  });

  it('puts the list right after a template without {{consumers}}', () => {
    const message = renderTeamMessage(teamPlan({ tier: GENTLE, listed: [listedConsumer({ daysOverdue: 0 })] }), NOW, DEFAULT_TEST_TIERS);
    const texts = textObjects(message.blocks).map((o) => o.text);
    expect(texts[1]).toBe(DEFAULT_TEMPLATES.gentle.replace('{{team}}', 'payments').replace('{{count}}', '1'));
    expect(texts[2]?.split('\n')[1]?.startsWith('• ')).toBe(true);
  });

  it('stays within limits under an absurdly long custom template', () => {
    const tier: Tier = { ...FIRM, template: `${'Intro &amp; words '.repeat(1_000)}{{consumers}}${' outro'.repeat(2_000)}` };
    const message = renderTeamMessage(teamPlan({ tier, listed: listedConsumers(200) }), NOW, [GENTLE, tier]);
    expectWithinSlackLimits(message);
    expect(message.listedCount).toBeGreaterThan(0);
    expect(moreLine(message)).toBe(`…and ${200 - message.listedCount} more (most overdue listed first)`);
  });
});
