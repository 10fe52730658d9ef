import { describe, expect, it } from 'vitest';
import type { Delivery, RunMode } from '../../src/run/types.js';
import { renderDigest } from '../../src/slack/render/digest-message.js';
import { checkPostMessage } from '../support/slack-checker.js';
import type { Plan, TeamSummary } from '../../src/policy/types.js';
import { allText, expectWithinSlackLimits, plan, summary, textObjects } from '../support/slack-builders.js';
import { CRITICAL, FIRM, GENTLE, URGENT } from '../support/builders.js';
import { NOW } from '../support/clock.js';

function digest(p: Plan, mode: RunMode = 'sweep', deliveries: Record<string, Delivery> = {}) {
  return renderDigest({ plan: p, deliveries: new Map(Object.entries(deliveries)), mode, now: NOW });
}

function sectionTexts(message: ReturnType<typeof digest>): string[] {
  return message.blocks.flatMap((block) => (block.type === 'section' && block.text ? [block.text.text] : []));
}

/** One entry per team line, in order: the text after "• ". */
function teamLines(message: ReturnType<typeof digest>): string[] {
  return sectionTexts(message)
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('• *'))
    .map((line) => line.slice(2));
}

function teamNames(message: ReturnType<typeof digest>): string[] {
  return teamLines(message).map((line) => /^\*(.+?)\* —/.exec(line)?.[1] ?? '?');
}

/** The shared payload checker (it lets bare `<#C…>` channel links through: they ping nobody). */
function checkerViolations(message: ReturnType<typeof digest>): string[] {
  return checkPostMessage({ ...message });
}

const ok = (channel: string): Delivery => ({ ok: true, channel, ts: '1773133200.000100' });

describe('renderDigest: headline', () => {
  it('counts outstanding consumers, teams and every tier, most severe first', () => {
    const message = digest(
      plan({
        summaries: [
          summary({ team: 'payments', worstTier: CRITICAL, outstanding: 5, byTier: { critical: 2, gentle: 3 } }),
          summary({ team: 'search', worstTier: FIRM, outstanding: 1, byTier: { firm: 1 } }),
        ],
      }),
      'digest',
    );
    const headline = textObjects(message.blocks)[1]?.text;
    expect(headline).toBe('*6 consumers* outstanding across *2 teams*\ncritical *2* · urgent *0* · firm *1* · gentle *3*');
    expect(message.text).toBe('Key rotation digest: 6 consumers outstanding across 2 teams (critical 2 · urgent 0 · firm 1 · gentle 3).');
    expectWithinSlackLimits(message);
  });

  it('says plainly when nothing is outstanding', () => {
    const message = digest(plan({ summaries: [] }));
    expect(allText(message)).toContain('Nothing outstanding');
    expect(teamLines(message)).toEqual([]);
    expectWithinSlackLimits(message);
  });
});

describe('renderDigest: teams', () => {
  it('lists the most severe tier first, then the most days overdue', () => {
    const message = digest(
      plan({
        summaries: [
          summary({ team: 'gentle-team', worstTier: GENTLE, maxDaysOverdue: 1 }),
          summary({ team: 'firm-old', worstTier: FIRM, maxDaysOverdue: 6 }),
          summary({ team: 'critical-team', worstTier: CRITICAL, maxDaysOverdue: 15 }),
          summary({ team: 'firm-new', worstTier: FIRM, maxDaysOverdue: 3 }),
          summary({ team: 'urgent-team', worstTier: URGENT, maxDaysOverdue: 8 }),
        ],
      }),
      'sweep',
      Object.fromEntries(['gentle-team', 'firm-old', 'critical-team', 'firm-new', 'urgent-team'].map((t) => [t, ok('C0TEAM')])),
    );
    expect(teamNames(message)).toEqual(['critical-team', 'urgent-team', 'firm-old', 'firm-new', 'gentle-team']);
  });

  it('shows each team’s count, worst tier, days overdue, waiting and snoozed, and where its nudge went', () => {
    const message = digest(
      plan({
        summaries: [summary({ team: 'payments', worstTier: URGENT, outstanding: 9, due: 6, waiting: 2, snoozed: 1, maxDaysOverdue: 10 })],
      }),
      'sweep',
      { payments: ok('C0PAYMENTS') },
    );
    expect(teamLines(message)).toEqual([
      '*payments* — 9 outstanding · worst *urgent* · 10 days overdue · 2 waiting · 1 snoozed → ✅ delivered to <#C0PAYMENTS>',
    ]);
    expect(allText(message)).toContain('This sweep nudged *1 team*.');
  });

  it('lists unrouted and failed teams first, under "Needs attention", and never drops them', () => {
    const message = digest(
      plan({
        summaries: [
          summary({ team: 'fine', worstTier: CRITICAL, maxDaysOverdue: 30 }),
          summary({ team: 'lost', worstTier: GENTLE, route: { kind: 'unrouted' } }),
          summary({ team: 'broken', worstTier: FIRM, maxDaysOverdue: 4 }),
        ],
      }),
      'sweep',
      { fine: ok('C0FINE'), broken: { ok: false, reason: 'channel_not_found: <#C0BROKEN> <!channel>' } },
    );
    const sections = sectionTexts(message).join('\n');
    expect(sections).toMatch(/^\*Needs attention\*\n• \*broken\*.*\n• \*lost\*.*\n\*All other teams\*\n• \*fine\*/m);
    const [broken, lost] = teamLines(message);
    expect(broken).toContain('→ ❌ *failed*: channel_not_found: &lt;#C0BROKEN&gt; &lt;!channel&gt;');
    expect(lost).toMatch(/→ ⚠️ \*unrouted\*$/);
    expect(allText(message)).toContain('⚠️ *1* unrouted (no channel and no `fallbackChannel`)');
    expect(allText(message)).toContain('❌ *1* failed');
    expect(message.text).toMatch(/; 1 unrouted, 1 failed\.$/);
    expect(checkerViolations(message)).toEqual([]);
  });

  it('flags a due team a stopped sweep never reached', () => {
    const message = digest(plan({ summaries: [summary({ team: 'late', worstTier: FIRM })] }), 'sweep', {});
    expect(teamLines(message)[0]).toContain('→ not sent by this run');
    expect(allText(message)).toContain('*Needs attention*');
  });

  it('names a fallback channel as text and says why the team went there', () => {
    const message = digest(
      plan({ summaries: [summary({ team: 'ledger', route: { kind: 'fallback', channel: '#security<!here>' } })] }),
      'dry-run',
    );
    expect(teamLines(message)[0]).toContain('→ would nudge #security&lt;!here&gt; (fallback: team has no channel)');
    expect(checkerViolations(message)).toEqual([]);
  });

  it('says "nothing due" for a team whose consumers are all waiting or snoozed', () => {
    const message = digest(
      plan({ summaries: [summary({ team: 'calm', worstTier: FIRM, outstanding: 3, due: 0, waiting: 2, snoozed: 1 })] }),
      'sweep',
    );
    expect(teamLines(message)[0]).toMatch(/· 2 waiting · 1 snoozed → nothing due/);
    expect(allText(message)).not.toContain('Needs attention');
  });

  it('in digest mode says each team was not nudged by this run, unrouted ones still flagged', () => {
    const message = digest(
      plan({ summaries: [summary({ team: 'a', worstTier: FIRM }), summary({ team: 'b', route: { kind: 'unrouted' } })] }),
      'digest',
    );
    expect(teamLines(message)).toEqual([
      expect.stringMatching(/^\*b\* .*→ ⚠️ \*unrouted\*/),
      expect.stringMatching(/^\*a\* .*→ not nudged by this run$/),
    ]);
    expect(allText(message)).toContain('Digest only: this run sent no nudges.');
  });

  it('in dry-run mode says what a sweep would do, and says so in the header', () => {
    const message = digest(plan({ summaries: [summary({ team: 'a', worstTier: FIRM })] }), 'dry-run');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: '🔑 Key rotation digest (dry run)' } });
    expect(teamLines(message)[0]).toMatch(/→ would nudge <#C0TEAM>$/);
  });
});

describe('renderDigest: skipped rows', () => {
  it('counts skipped rows per reason and shows the first few ids, escaped', () => {
    const message = digest(
      plan({
        summaries: [],
        skipped: [
          ...['t1', 't2', 't3', 't4', 't5'].map((id) => ({ id, team: null, reason: 'missing-team' as const })),
          { id: '<!channel>', team: 'x', reason: 'missing-deadline' },
          { id: 'dup', team: 'x', reason: 'duplicate-id' },
        ],
      }),
    );
    const text = allText(message);
    expect(text).toContain('• 5 rows with no owner team: `t1`, `t2`, `t3`, … 2 more');
    expect(text).toContain('• 1 row with no rotation deadline: `&lt;!channel&gt;`');
    expect(text).toContain('• 1 row with a duplicate id: `dup`');
    expect(checkerViolations(message)).toEqual([]);
  });
});

describe('renderDigest: evidence from the old key (source.columns.lastSeenOnOldKey)', () => {
  const evidence = (counts: Partial<NonNullable<Plan['evidence']>>): NonNullable<Plan['evidence']> => ({
    seenAfterDeadline: 0,
    looksDone: 0,
    contradicted: 0,
    unreadable: 0,
    unreadableIds: [],
    byTeam: new Map(),
    ...counts,
  });

  it('counts consumers seen on a revoked key after its deadline, contradicted claims, quiet ones and unreadable values', () => {
    const message = digest(
      plan({ summaries: [], evidence: evidence({ seenAfterDeadline: 3, contradicted: 1, looksDone: 2, unreadable: 1 }) }),
    );
    const text = allText(message);
    expect(text).toContain("*Evidence from the old key's use:*");
    expect(text).toContain('• 🔑 3 consumers seen on a revoked key after its deadline');
    expect(text).toContain('• ⚠️ 1 claim contradicted: still seen on the old key, re-escalated');
    expect(text).toContain('• 💡 2 consumers not seen on the old key lately: look done, to confirm in the inventory');
    expect(text).toContain('• 1 row with an unreadable last-seen time (treated as unknown)');
    expect(checkerViolations(message)).toEqual([]);
  });

  it('says nothing when the column is not mapped, or says nothing', () => {
    expect(allText(digest(plan({ summaries: [] })))).not.toContain('Evidence');
    expect(allText(digest(plan({ summaries: [], evidence: evidence({}) })))).not.toContain('Evidence');
  });

  it('lists a contradicted claim apart from one merely unverified, and those that look done, per team', () => {
    const team = 'payments';
    const p = plan({ summaries: [summary({ team, outstanding: 2, byTier: { firm: 2 } })] });
    const claim = (state: 'unverified' | 'contradicted') => ({
      by: 'U0ANA00001',
      at: NOW,
      graceEndsAt: NOW,
      state,
      ...(state === 'contradicted' ? { seenAt: NOW } : {}),
    });
    p.answered = new Map([
      [
        team,
        [
          {
            id: 'checkout-api',
            name: 'Checkout API',
            answers: { claim: claim('contradicted'), holdUntil: null, held: false, tierBump: 1 },
          },
          { id: 'refunds', name: null, answers: { claim: claim('unverified'), holdUntil: null, held: false, tierBump: 1 } },
          { id: 'batch', name: 'nightly-batch', answers: { looksDone: { lastSeenAt: NOW }, holdUntil: null, held: false, tierBump: 0 } },
        ],
      ],
    ]);
    const text = allText(digest(p));
    expect(text).toContain('⚠️ claimed, still pending: refunds');
    expect(text).toContain('⚠️ claimed, still seen on the old key: Checkout API');
    expect(text).toContain('💡 looks done, to confirm in the inventory: nightly-batch');
  });
});

describe('renderDigest: limits', () => {
  function manyTeams(count: number, make: (i: number) => Partial<TeamSummary> = () => ({})): TeamSummary[] {
    const tiers = [GENTLE, FIRM, URGENT, CRITICAL];
    return Array.from({ length: count }, (_, i) =>
      summary({ team: `team-${String(i).padStart(5, '0')}`, worstTier: tiers[i % 4]!, maxDaysOverdue: i % 40, ...make(i) }),
    );
  }

  it('with 10,000 teams lists what fits, critical first, and counts the rest exactly', () => {
    const summaries = manyTeams(10_000);
    const message = digest(plan({ summaries }), 'sweep', Object.fromEntries(summaries.map((s) => [s.team, ok('C0TEAM')])));
    expectWithinSlackLimits(message);
    const shown = teamLines(message);
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.every((line) => line.includes('worst *critical*'))).toBe(true);
    const more = textObjects(message.blocks).find((o) => o.text.startsWith('…and '))?.text;
    expect(more).toBe(`…and ${10_000 - shown.length} more teams (most overdue listed first)`);
    expect(allText(message)).toContain('across *10000 teams*');
  });

  it('with 10,000 hostile unrouted or failed teams stays valid and still counts every problem', () => {
    const summaries = manyTeams(10_000, (i) => ({
      team: `<!channel>${i}`.padEnd(5_000, '&'),
      route: i % 2 ? { kind: 'unrouted' } : { kind: 'team', channel: 'C0X' },
    }));
    const failures = Object.fromEntries(
      summaries.filter((_, i) => i % 2 === 0).map((s) => [s.team, { ok: false as const, reason: '<!everyone>'.repeat(500) }]),
    );
    const message = digest(
      plan({
        summaries,
        skipped: Array.from({ length: 3000 }, (_, i) => ({ id: '&'.repeat(500) + i, team: null, reason: 'missing-team' as const })),
      }),
      'sweep',
      failures,
    );
    expectWithinSlackLimits(message);
    expect(checkerViolations(message)).toEqual([]);
    expect(allText(message)).toContain('⚠️ *5000* unrouted');
    expect(allText(message)).toContain('❌ *5000* failed');
    const shown = teamLines(message).length;
    expect(shown).toBeGreaterThan(0);
    expect(allText(message)).toContain(`…and ${10_000 - shown} more teams`);
  });
});

describe('renderDigest: footer', () => {
  it('states the instant it describes and the mode', () => {
    const footer = textObjects(digest(plan({ summaries: [] }), 'digest').blocks).at(-1)?.text;
    expect(footer).toBe('chaser · as of 2026-03-10 09:00 UTC · `digest`');
  });
});

describe('renderDigest: sending windows', () => {
  it('shows a team held outside its hours (not needing attention) and a scheduled one with its time', async () => {
    const { teamPlan } = await import('../support/slack-builders.js');
    const opensAt = new Date('2026-03-10T16:00:00Z');
    const postAt = new Date('2026-03-11T03:30:00Z');
    const message = digest(
      plan({
        summaries: [summary({ team: 'payments' }), summary({ team: 'search' }), summary({ team: 'identity' })],
        teams: [
          { ...teamPlan({ team: 'payments' }), sending: { mode: 'hold', reason: 'outside-hours', opensAt } },
          { ...teamPlan({ team: 'search' }), sending: { mode: 'schedule', postAt } },
          teamPlan({ team: 'identity' }),
        ],
      }),
      'sweep',
      { search: { ok: true, channel: 'C0SEARCH', ts: 'scheduled:Q0000000001' }, identity: ok('C0IDENTITY') },
    );
    const lines = teamLines(message);
    expect(lines.find((l) => l.startsWith('*payments*'))).toMatch(/⏰ held: outside working hours, window opens 2026-03-10 16:00 UTC$/);
    expect(lines.find((l) => l.startsWith('*search*'))).toMatch(/🕘 scheduled for 2026-03-11 03:30 UTC in <#C0SEARCH>$/);
    expect(allText(message)).not.toContain('Needs attention');
    expect(allText(message)).toContain('This sweep nudged *2 teams*');
  });
});
