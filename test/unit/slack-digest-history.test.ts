import { describe, expect, it } from 'vitest';
import type { DigestHistory } from '../../src/run/history.js';
import { campaignLine, historyBlocks, historyFallback } from '../../src/slack/render/digest-history.js';

const NOW = new Date('2026-03-21T09:00:00Z');
const history = (over: Partial<DigestHistory> = {}): DigestHistory => ({
  since: new Date('2026-03-14T09:00:00Z'),
  campaigns: [
    {
      keyId: 'kms/payments-2026-03',
      inScope: 8,
      outstanding: 2,
      done: 5 / 8,
      trend: [6, 5, 4, 3, 2],
      change: -3,
      projection: { kind: 'projected', at: new Date('2026-03-23T09:00:00Z'), perDay: 1 },
      slowest: [{ team: 'payments', outstanding: 2, maxDaysOverdue: 19 }],
      claimed: 0,
      disputed: 0,
    },
  ],
  teams: [
    {
      team: 'payments',
      tier: 'critical',
      consumers: [{ id: 'pay-3', name: 'ledger-sync', nudgeCount: 6, firstNudgedAt: new Date('2026-03-03T09:00:00Z'), daysOverdue: 19 }],
      more: 1,
      confirmed: 1,
      exempted: 0,
      newlyOverdue: 2,
    },
  ],
  ...over,
});
const text = (blocks: unknown[]) => JSON.stringify(blocks);

describe('digest history', () => {
  it('one burn-down line per campaign: sparkline, change since the last digest, projection, slowest teams', () => {
    expect(campaignLine(history().campaigns[0]!)).toBe(
      '• `kms/payments-2026-03` █▇▆▅▃ 2 outstanding (−3) · 62 % of 8 done · projected done 2026-03-23 (−1.0/day) · slowest: payments 19 d',
    );
  });

  it('says how many outstanding consumers the answers hold back (claimed done, disputed), only when some are', () => {
    const line = (claimed: number, disputed: number) => campaignLine({ ...history().campaigns[0]!, claimed, disputed });
    expect(line(1, 2)).toContain(' · 62 % of 8 done · 1 claimed done, 2 disputed · projected done 2026-03-23');
    expect(line(0, 1)).toContain(' · 62 % of 8 done · 1 disputed · projected done');
    expect(line(3, 0)).toContain(' · 3 claimed done · projected done');
  });

  it("names the worst teams' consumers with how often and since when they were chased, and what changed", () => {
    const blocks = text(historyBlocks(history(), NOW));
    expect(blocks).toContain('*Burn-down* (change since the last digest, 03-14)');
    expect(blocks).toContain('*payments* (critical)');
    expect(blocks).toContain('• ledger-sync — 19 d overdue, chased 6× since 03-03');
    expect(blocks).toContain('• …and 1 more consumer');
    expect(blocks).toContain('Since the last digest: 1 confirmed, 0 exempted, 2 newly overdue.');
  });

  it('before the first digest: no change shown; not converging said as such; the notification text carries the line', () => {
    const first = history({
      since: null,
      campaigns: [{ ...history().campaigns[0]!, change: null, projection: { kind: 'not-converging', perDay: 0 } }],
    });
    const blocks = text(historyBlocks(first, NOW));
    expect(blocks).not.toContain('Since the last digest');
    expect(blocks).toContain('2 outstanding · 62 % of 8 done · not converging');
    expect(historyFallback(first)).toBe(' kms/payments-2026-03: 2 outstanding, not converging.');
    expect(historyFallback(history())).toBe(
      ' kms/payments-2026-03: 2 outstanding (−3 since the last digest), projected done 2026-03-23 (−1.0/day).',
    );
  });

  it('escapes what comes from the inventory: a team named <!channel> pings nobody', () => {
    const hostile = history({
      teams: [
        { ...history().teams[0]!, team: '<!channel>', consumers: [{ ...history().teams[0]!.consumers[0]!, name: '*bold* <@U123>' }] },
      ],
    });
    const blocks = text(historyBlocks(hostile, NOW));
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).not.toContain('<@U123>');
  });
});
