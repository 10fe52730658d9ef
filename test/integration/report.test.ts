import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backend } from '../support/db.js';
import { CHROMIUM, readText, renderInChromium } from '../support/chromium.js';
import { ANSWERING_SLACK, KEY, OTHER_KEY, playCampaign } from '../support/played-campaign.js';
import { useScenario } from '../support/scenario.js';

describe(`chaser report (${backend})`, () => {
  const s = useScenario();

  it('prints a terminal table of every campaign and its teams', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const run = await s.run(['report']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^campaign\s+scope\s+done\s+outstanding\s+trend \(14 d\)\s+finish\s+since$/);
    expect(run.stdout).toMatch(new RegExp(`${KEY.replace('/', '\\/')}\\s+7\\s+71 %\\s+2\\s+\\S+\\s+projected done 2026-04-02`));
    expect(run.stdout).toMatch(/payments\s+2\s+19 d\s+3\s+8\.0 d/);
  });

  it('--json and --csv carry the same history', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const json = JSON.parse((await s.run(['report', '--json', '--key', KEY])).stdout) as {
      campaigns: {
        keyId: string;
        runs: number;
        days: { outstanding: number }[];
        latest: { inScope: number };
        projection: { kind: string };
      }[];
    };
    expect(json.campaigns).toHaveLength(1);
    expect(json.campaigns[0]).toMatchObject({ keyId: KEY, runs: 7, latest: { inScope: 7 }, projection: { kind: 'projected' } });
    expect(json.campaigns[0]?.days.map((d) => d.outstanding)).toEqual([6, 4, 4, 4, 3, 2, 2]);

    const csv = (await s.run(['report', '--csv'])).stdout.trimEnd().split('\r\n');
    expect(csv[0]).toBe(
      'key_id,as_of,in_scope,confirmed,exempt,pending_not_due,outstanding,tier_gentle,tier_firm,tier_urgent,tier_critical,snoozed,claimed,disputed,unknown_status,undated',
    );
    expect(csv.filter((line) => line.startsWith(`${KEY},`))).toHaveLength(7);
    expect(csv.filter((line) => line.startsWith(`${OTHER_KEY},`))).toHaveLength(7);
    expect(csv.at(7)).toBe(`${KEY},2026-03-21T09:00:00.000Z,7,4,1,0,2,0,0,1,1,0,0,0,0,0`);
  });

  it('bad input: an unknown key, --from after --to, two formats: exit 64 with the fix', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const unknown = await s.run(['report', '--key', 'kms/nope']);
    expect([unknown.code, unknown.stderr]).toEqual([64, expect.stringMatching(/no history for key "kms\/nope"/)]);
    const window = await s.run(['report', '--from', '2026-03-10', '--to', '2026-03-01']);
    expect([window.code, window.stderr]).toEqual([64, expect.stringMatching(/--from .* is after --to/)]);
    const both = await s.run(['report', '--json', '--csv']);
    expect([both.code, both.stderr]).toEqual([64, expect.stringMatching(/--json and --csv cannot be combined/)]);
    const unwritable = await s.run(['report', '--html', '/proc/chaser-report.html']);
    expect([unwritable.code, unwritable.stderr]).toEqual([64, expect.stringMatching(/cannot write \/proc\/chaser-report\.html/)]);
  });

  it('--html writes one self-contained page: inline SVG, no script, no external asset, names escaped', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    await s.db.sql`update rotation_consumers set owner_team = '<script>alert(1)</script>' where id = 'pay-3'`;
    await s.run(['sweep', '--now', '2026-03-22T09:00:00Z']);
    const run = await s.run(['report', '--html', 'report.html']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*report\.html \(2 campaigns\)\n$/);
    const html = readText(join(s.dir, 'report.html'));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html.match(/<svg /g)).toHaveLength(4); // burn-up and tiers, per campaign
    expect(readdirSync(s.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  const rendersName = '--html renders in headless Chromium with both charts, legends and the team table';
  it.skipIf(!CHROMIUM)(CHROMIUM ? rendersName : `${rendersName} (skipped: no chromium installed; .ci/run installs it)`, async () => {
    await playCampaign(s.db.sql, (args) => s.run(args));
    const run = await s.run(['report', '--html', 'report.html', '--key', KEY]);
    expect(run.code).toBe(0);
    const rendered = await renderInChromium(join(s.dir, 'report.html'));
    expect(rendered.pageErrors).toEqual([]);
    expect([rendered.width, rendered.height]).toEqual([1100, 1400]);
    expect(rendered.png.length).toBeGreaterThan(20_000); // a blank page compresses to a few kB
    const dom = rendered.dom;
    expect(dom).toMatch(/<svg class="burnup"/);
    expect(dom).toMatch(/<svg class="tiers"/);
    expect(dom.match(/<polygon class="band" data-series="confirmed"/g)).toHaveLength(1);
    expect(dom).toMatch(/<polyline class="scope"/);
    for (const tier of ['gentle', 'firm', 'urgent', 'critical']) expect(dom).toContain(`data-series="${tier}"`);
    expect(dom).toMatch(/<ul class="legend">.*confirmed.*exempt.*scope/s);
    expect(dom).toMatch(/<table class="teams">[\s\S]*payments[\s\S]*<\/table>/);
    // Kept for a person to look at: CHASER_REPORT_PNG=path copies the screenshot there.
    const keep = process.env['CHASER_REPORT_PNG'];
    if (keep) {
      mkdirSync(join(keep, '..'), { recursive: true });
      writeFileSync(keep, rendered.png);
      copyFileSync(join(s.dir, 'report.html'), `${keep}.html`);
    }
    expect(existsSync(join(s.dir, 'report.html'))).toBe(true);
  });
});

describe(`chaser report: a campaign with answers read back from Slack (${backend})`, () => {
  const s = useScenario({ slack: ANSWERING_SLACK });

  it('--html says what the answers hold back under the outstanding count, as the snapshot and the digest do', async () => {
    await playCampaign(s.db.sql, (args) => s.run(args), s.slack);
    expect((await s.run(['report', '--html', 'report.html', '--key', KEY])).code).toBe(0);
    const html = readText(join(s.dir, 'report.html'));
    // Day 19: the claim on ledger-sync lapsed (unverified, chased again); reranker's dispute holds.
    expect(html).toContain('<dt>Outstanding</dt><dd>3</dd><dd class="sub">0 not yet due · 1 disputed</dd>');
    expect((await s.run(['report', '--html', 'day12.html', '--key', KEY, '--to', '2026-03-14T09:00:00Z'])).code).toBe(0);
    expect(readText(join(s.dir, 'day12.html'))).toMatch(/<dd class="sub">0 not yet due · 1 claimed done · 1 disputed<\/dd>/);
    if (CHROMIUM) expect((await renderInChromium(join(s.dir, 'report.html'))).pageErrors).toEqual([]);
  });
});
