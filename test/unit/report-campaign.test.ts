import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/run/history.js';
import { buildCampaignReports, renderReportCsv } from '../../src/report/campaign-report.js';
import { esc, renderReportHtml } from '../../src/report/report-html.js';
import { csvCell } from '../../src/report/csv.js';

const snap = (day: number, over: Partial<Snapshot> = {}): Snapshot => ({
  runId: String(day),
  keyId: 'kms/k',
  asOf: new Date(Date.UTC(2026, 2, 1 + day, 9)),
  command: 'sweep',
  inScope: 10,
  confirmed: day,
  exempt: 0,
  pendingNotDue: 0,
  outstanding: 10 - day,
  outstandingByTier: { critical: 0, gentle: 10 - day },
  snoozed: 0,
  claimed: 0,
  disputed: 0,
  unknownStatus: 0,
  undated: 0,
  topTeams: [{ team: 'payments', outstanding: 10 - day, maxDaysOverdue: day }],
  ...over,
});

describe('campaign report model', () => {
  it('keeps one point per day (the last), orders tiers by the ladder, and projects the finish', () => {
    const late = snap(2, {
      asOf: new Date(Date.UTC(2026, 2, 3, 18)),
      outstanding: 7,
      confirmed: 3,
      topTeams: [{ team: 'payments', outstanding: 7, maxDaysOverdue: 2 }],
    });
    const [report] = buildCampaignReports([snap(0), snap(1), snap(2), late], [], ['gentle', 'firm', 'critical']);
    expect(report?.days.map((d) => d.outstanding)).toEqual([10, 9, 7]);
    expect(report?.tiers).toEqual(['gentle', 'firm', 'critical']);
    expect(report?.runs).toBe(4);
    expect(report?.done).toBeCloseTo(0.3);
    expect(report?.projection.kind).toBe('projected');
    expect(report?.teams[0]).toMatchObject({ team: 'payments', outstanding: 7 });
  });

  it('makes inventory text printable once: control characters and bidi overrides go', () => {
    const [report] = buildCampaignReports(
      [snap(0, { keyId: 'kms/\u202Eevil\u0007', topTeams: [{ team: 'pay\nments', outstanding: 1, maxDaysOverdue: 0 }] })],
      [],
    );
    expect(report?.keyId).toBe('kms/evil');
    expect(report?.teams[0]?.team).toBe('pay ments');
  });
});

describe('CSV and HTML escaping', () => {
  it('quotes CSV cells that need it and defuses spreadsheet formulas, not negative numbers', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-3')).toBe('-3');
    const csv = renderReportCsv(buildCampaignReports([snap(0, { keyId: '@evil' })], []));
    expect(csv.split('\r\n')[1]).toMatch(/^'@evil,/);
  });

  it('escapes every database value in the HTML and ships no script', () => {
    expect(esc(`<img src=x onerror="a">'`)).toBe('&lt;img src=x onerror=&quot;a&quot;&gt;&#39;');
    const html = renderReportHtml(
      buildCampaignReports([snap(0, { keyId: '<script>x</script>' }), snap(1, { keyId: '<script>x</script>' })], []),
      {
        generatedAt: new Date(Date.UTC(2026, 2, 5)),
        version: '0.1.0',
      },
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).toContain("default-src 'none'");
  });

  it('an empty history still renders a page that says how to get one', () => {
    expect(renderReportHtml([], { generatedAt: new Date(0), version: '0.1.0' })).toContain('No campaign history yet');
  });
});
