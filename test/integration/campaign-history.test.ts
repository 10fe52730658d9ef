import { describe, expect, it } from 'vitest';
import { inHistoryTransaction, readResolutionStats, readSnapshots } from '../../src/db/snapshots.js';
import { backend } from '../support/db.js';
import { ANSWERING_SLACK, DEADLINE, KEY, OTHER_KEY, dayAfter, playCampaign } from '../support/played-campaign.js';
import { CHANNELS, useScenario } from '../support/scenario.js';

describe(`campaign history: snapshots and resolutions (${backend})`, () => {
  const s = useScenario();

  it('writes one snapshot per campaign per run whose counts add up, and never back-dates scope', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const snapshots = await readSnapshots(s.db.sql, { keyId: KEY });
    const row = (day: number) => snapshots.find((snap) => snap.asOf.getTime() === dayAfter(day).getTime());
    expect(
      snapshots.map((snap) => [snap.command, snap.inScope, snap.confirmed, snap.exempt, snap.pendingNotDue, snap.outstanding]),
    ).toEqual([
      ['sweep', 6, 0, 0, 0, 6],
      ['sweep', 6, 2, 0, 0, 4],
      ['sweep', 8, 2, 0, 2, 4], // the late scope addition raises scope on day 5, not before
      ['sweep', 7, 2, 1, 0, 4], // id-1 removed from the inventory, search-2 exempt
      ['digest', 7, 3, 1, 0, 3],
      ['sweep', 7, 4, 1, 0, 2],
      ['sweep', 7, 4, 1, 0, 2],
    ]);
    for (const snap of snapshots) {
      expect(snap.confirmed + snap.exempt + snap.pendingNotDue + snap.outstanding + snap.unknownStatus + snap.undated).toBe(snap.inScope);
      expect(Object.values(snap.outstandingByTier).reduce((a, b) => a + b, 0)).toBe(snap.outstanding);
      expect([snap.claimed, snap.disputed]).toEqual([0, 0]);
    }
    expect(row(1)?.outstandingByTier).toEqual({ gentle: 6, firm: 0, urgent: 0, critical: 0 });
    expect(row(19)?.outstandingByTier).toEqual({ gentle: 0, firm: 0, urgent: 1, critical: 1 });
    expect(row(19)?.topTeams).toEqual([{ team: 'payments', outstanding: 2, maxDaysOverdue: 19 }]);
    // The other campaign is counted on its own line, in every run.
    expect((await readSnapshots(s.db.sql, { keyId: OTHER_KEY })).map((snap) => snap.inScope)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('records how and when each nudged consumer left, once, by the first run that saw it', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const rows = await s.db.sql<{ consumer_id: string; how: string; left_at: Date; key_id: string; team: string; nudge_count: number }[]>`
      select consumer_id, how, left_at, key_id, team, nudge_count from chaser_resolutions order by left_at, consumer_id`;
    expect(rows.map((r) => [r.consumer_id, r.how, (r.left_at.getTime() - DEADLINE.getTime()) / 3_600_000])).toEqual([
      ['pay-1', 'confirmed', 3 * 24 + 9],
      ['search-1', 'confirmed', 3 * 24 + 9],
      ['id-1', 'removed', 8 * 24 + 9],
      ['search-2', 'exempt', 8 * 24 + 9],
      ['pay-2', 'confirmed', 12 * 24 + 9],
      ['pay-late-1', 'confirmed', 15 * 24 + 9],
    ]);
    // A removed consumer keeps the campaign and team it was nudged in.
    expect(rows.find((r) => r.consumer_id === 'id-1')).toMatchObject({ key_id: KEY, team: 'identity' });

    const stats = await readResolutionStats(s.db.sql, { keyId: KEY });
    const payments = stats.find((t) => t.team === 'payments')!;
    expect(payments).toMatchObject({ resolved: 3, confirmed: 3, exempt: 0, removed: 0 });
    // pay-1 3.375 d, pay-2 12.375 d past the deadline, pay-late-1 8 d past its own (day 7 09:00): median 8.
    expect(payments.medianDaysFromDeadline).toBeCloseTo(8, 6);
    expect(stats.find((t) => t.team === 'search')).toMatchObject({ resolved: 2, confirmed: 1, exempt: 1 });
  });

  it("the digest carries a burn-down line per campaign and the worst teams' consumers, in blocks and notification text", async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const digest = s.slack
      .posts()
      .filter((p) => p.channelId === CHANNELS.security)
      .at(-1)!;
    const blocks = JSON.stringify(digest.blocks);
    expect(blocks).toContain('*Burn-down* (change since the last digest, 03-17)');
    expect(blocks).toMatch(
      /• `kms\/payments-2026-03` [▁▂▃▄▅▆▇█]{7} 2 outstanding \(±0\) · 71 % of 7 done · projected done 2026-04-02 \(−0\.2\/day\) · slowest: payments 19 d/,
    );
    expect(blocks).toContain('*payments* (critical)');
    expect(blocks).toMatch(/• ledger-sync — 19 d overdue, chased \d+× since 03-03/);
    expect(blocks).toContain('Since the last digest: 0 confirmed, 0 exempted, 0 newly overdue.');
    expect(digest.text).toContain('kms/payments-2026-03: 2 outstanding (±0 since the last digest), projected done 2026-04-02');
  });

  it("puts this run's snapshot in the JSON result", async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const run = await s.run(['digest', '--json', '--now', dayAfter(20).toISOString()]);
    const result = JSON.parse(run.stdout) as { snapshot: { keyId: string; inScope: number; outstanding: number; asOf: string }[] };
    expect(result.snapshot).toEqual([
      expect.objectContaining({ keyId: KEY, inScope: 7, outstanding: 2, asOf: dayAfter(20).toISOString() }),
      expect.objectContaining({ keyId: OTHER_KEY, inScope: 1, outstanding: 1 }),
    ]);
    const dry = JSON.parse((await s.run(['dry-run', '--json', '--now', dayAfter(20).toISOString()])).stdout) as { snapshot: unknown };
    expect(dry.snapshot).toBeNull(); // dry-run writes nothing
  });
});

describe(`campaign history: the statements' transaction (${backend})`, () => {
  const s = useScenario();

  it('runs them with JIT off and a larger work_mem, set for that transaction only', async () => {
    const setting = async (sql: typeof s.db.sql) => {
      const [row] = await sql<{ jit: string; work_mem: string }[]>`
        select current_setting('jit') as jit, current_setting('work_mem') as work_mem`;
      return row;
    };
    const before = await setting(s.db.sql);
    expect(await inHistoryTransaction(s.db.sql, setting)).toEqual({ jit: 'off', work_mem: '32MB' });
    expect(await setting(s.db.sql)).toEqual(before);
    // A failure inside rolls back everything it wrote.
    const written = () => s.db.sql<{ n: number }[]>`select count(*)::int as n from chaser_runs`;
    const runs = (await written())[0]?.n;
    await expect(
      inHistoryTransaction(s.db.sql, async (tx) => {
        await tx`insert into chaser_runs (command, as_of) values ('sweep', now())`;
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect((await written())[0]?.n).toBe(runs);
  });
});

describe(`campaign history: answers read back from Slack (${backend})`, () => {
  const s = useScenario({ slack: ANSWERING_SLACK });

  it('claimed and disputed: the snapshot rows, report --json and the digest say the numbers the policy derived', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args), s.slack);
    const snapshots = await readSnapshots(s.db.sql, { keyId: KEY });
    const counts = (day: number) => {
      const snap = snapshots.find((row) => row.asOf.getTime() === dayAfter(day).getTime());
      return snap && [snap.command, snap.claimed, snap.disputed];
    };
    // Answered on day 10, read back by the sweep of day 11; payments' claim holds for claimGrace (2d),
    // then is unverified (the inventory still says pending): no longer counted as claimed.
    expect([10, 11, 12, 15, 19].map(counts)).toEqual([
      ['sweep', 0, 0],
      ['sweep', 1, 1],
      ['digest', 1, 1],
      ['sweep', 0, 1],
      ['sweep', 0, 1],
    ]);
    expect((await readSnapshots(s.db.sql, { keyId: OTHER_KEY })).map((snap) => snap.claimed + snap.disputed)).toEqual(
      new Array<number>(9).fill(0),
    );

    const json = JSON.parse((await s.run(['report', '--json', '--key', KEY])).stdout) as {
      campaigns: { latest: { claimed: number; disputed: number }; days: { asOf: string; claimed: number; disputed: number }[] }[];
    };
    const days = json.campaigns[0]!.days;
    expect(days.filter((d) => d.asOf >= dayAfter(10).toISOString()).map((d) => [d.claimed, d.disputed])).toEqual([
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(json.campaigns[0]!.latest).toMatchObject({ claimed: 0, disputed: 1 });

    // The digests while the claim holds (days 11 and 12) say the same, in the burn-down line beside the answers they list.
    const digests = s.slack.posts().filter((p) => p.channelId === CHANNELS.security);
    const whileClaimed = digests.map((p) => JSON.stringify(p.blocks)).filter((b) => b.includes('claimed done (checking)'));
    expect(whileClaimed.length).toBeGreaterThan(0);
    for (const blocks of whileClaimed) {
      expect(blocks).toMatch(/• `kms\/payments-2026-03` \S+ \d+ outstanding[^·]*· \d+ % of 8 done · 1 claimed done, 1 disputed · /);
      expect(blocks).toContain('routing dispute');
    }
    const last = JSON.stringify(digests.at(-1)?.blocks);
    expect(last).toMatch(/% of 8 done · 1 disputed · /);
    expect(last).not.toContain('claimed done (checking)');
  });
});
