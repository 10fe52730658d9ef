import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, type CliRun } from '../support/cli.js';
import { NOW } from '../support/clock.js';

/**
 * `chaser dry-run --demo`: the first thing a new user runs. No config, no DATABASE_URL, no Slack,
 * an empty directory: the demo brings its own embedded database, whatever the environment says.
 * This file needs no test database, so it runs the same on either backend (TEST_DATABASE_URL,
 * when set, is deliberately handed to the CLI below and must not matter).
 */

const ISO = NOW.toISOString();
const DEMO = ['dry-run', '--demo', '--now', ISO];
const ANSI = /\x1b\[[0-9;]*m/;

/** Terminal columns a line takes: pictographs two, combining marks and variation selectors none. */
function columns(line: string): number {
  let width = 0;
  for (const char of line.replace(/\x1b\[[0-9;]*m/g, '')) {
    if (/[\p{M}\u200B-\u200D\uFE0E\uFE0F]/u.test(char)) continue;
    width += /\p{Extended_Pictographic}/u.test(char) ? 2 : 1;
  }
  return width;
}

/** The block of a team in the preview: from its `▌ team` heading to the blank line that ends it. */
function teamBlock(stdout: string, team: string): string {
  const start = stdout.indexOf(`▌ ${team} `);
  expect(start, `no message for ${team}`).toBeGreaterThanOrEqual(0);
  const end = stdout.indexOf('\n\n', start);
  return stdout.slice(start, end < 0 ? undefined : end);
}

function digestPart(stdout: string): string {
  const start = stdout.indexOf('Digest for the security lead');
  expect(start).toBeGreaterThanOrEqual(0);
  return stdout.slice(start);
}

/** The built CLI through pipes with exactly PATH plus `env`. */
function runWithEnv(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

function collect(child: ReturnType<typeof spawn>): Promise<{ code: number | null; stdout: string }> {
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.resume();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/**
 * Runs the built CLI under a pseudo-terminal (util-linux `script`), the only way to see what a
 * person at a terminal sees: colour is decided by whether stdout is a TTY.
 */
async function runInTerminal(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout } = await collect(child);
  return { code, output: stdout };
}
const hasScript = process.platform === 'linux' && existsSync('/usr/bin/script');

describe('chaser dry-run --demo', () => {
  let cwd: string;
  let demo: CliRun;
  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'chaser-demo-'));
    // Scrubbed environment (PATH + NO_COLOR) in an empty directory: nothing to lean on.
    demo = await runCli(DEMO, { cwd });
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('exits 3 (the sample campaign has outstanding consumers) and says nothing on stderr', () => {
    expect(demo.code).toBe(3);
    expect(demo.stderr).toBe('');
    expect(demo.stdout).toMatch(/exit 3: consumers remain outstanding\n$/);
  });

  it('opens with the summary: one row per tier with its count, then the totals', () => {
    const lines = demo.stdout.split('\n');
    expect(lines[0]).toBe('chaser dry-run · as of 2026-03-10 09:00 UTC');
    expect(lines[1]).toMatch(/^\s+tier\s+consumers\s+teams\s+oldest deadline$/);
    const rows = lines.slice(2, 6).map((line) => line.trim().split(/\s+/).slice(0, 3));
    expect(rows).toEqual([
      ['critical', '3', '3'],
      ['urgent', '4', '4'],
      ['firm', '4', '3'],
      ['gentle', '4', '4'],
    ]);
    expect(lines[6]).toMatch(/15 outstanding across 6 team\(s\), 1 snoozed; 6 team\(s\) due a nudge/);
  });

  it('explains its own terms: why 15 are outstanding but 13 would be recorded (snoozed, waiting)', () => {
    const lines = demo.stdout.split('\n');
    expect(lines.slice(7, 10)).toEqual([
      '  of these, 13 due a nudge now, 1 snoozed, 1 waiting',
      '    snoozed: not nudged until its snooze ends',
      "    waiting: nudged recently; not due again until its tier's cadence allows",
    ]);
    expect(demo.stdout.match(/would record: (\d+)/g)?.reduce((n, m) => n + Number(m.split(': ')[1]), 0)).toBe(13);
    expect(demo.stdout).toContain('a sweep now would record 13 nudge(s), of the 15 outstanding.');
  });

  it('shows a channel the same way in a team heading and in the digest: an id as written, a name with #', () => {
    const digest = digestPart(demo.stdout).replace(/\n\s+/g, ' ');
    expect(teamBlock(demo.stdout, 'search')).toMatch(/^▌ search → C0SEARCHENG ·/);
    expect(digest).toContain('→ would nudge C0SEARCHENG');
    expect(teamBlock(demo.stdout, 'data-platform')).toMatch(/^▌ data-platform → #data-platform-alerts ·/);
    expect(digest).toContain('→ would nudge #data-platform-alerts');
    expect(digest).not.toMatch(/#C0/);
  });

  it("shows several teams' messages as they would read in Slack, with what would be recorded", () => {
    const payments = teamBlock(demo.stdout, 'payments');
    expect(payments).toContain('→ C0PAYMENTS1 · critical · 3 due');
    expect(payments).toContain('@payments'); // the critical tier mentions the team, shown by name
    expect(payments).toMatch(/checkout-api[\s\S]*refunds-worker[\s\S]*ledger-reconciler/);
    expect(payments).toContain('would record: 3 nudge(s) in chaser_nudge_state and chaser_nudge_log');

    const identity = teamBlock(demo.stdout, 'identity');
    expect(identity).toContain('firm · 2 due');
    expect(identity).toContain('auth-gateway');
    expect(identity).not.toContain('session-service'); // nudged 3 h ago: waiting for its cadence

    const mlResearch = teamBlock(demo.stdout, 'ml-research');
    expect(mlResearch).toContain('#security-rotation-triage (fallback)');
    expect(mlResearch).toContain('has no channel');

    expect(demo.stdout.match(/^▌ /gm)).toHaveLength(6);
  });

  it('says in the preview when a tier that mentions the team will ping no one', () => {
    // search has a channel but no mention; ml-research has no route at all (the fallback channel).
    expect(teamBlock(demo.stdout, 'search')).toContain('  ! pings no one: tier critical mentions the team; teams.search has no "mention"');
    expect(teamBlock(demo.stdout, 'ml-research')).toContain(
      '  ! pings no one: tier urgent mentions the team; ml-research is not in "teams"',
    );
    expect(teamBlock(demo.stdout, 'payments')).not.toContain('pings no one');
    expect(teamBlock(demo.stdout, 'identity')).not.toContain('pings no one'); // firm mentions nobody
    expect(demo.stdout.match(/would record: /g)).toHaveLength(6);
  });

  it('leaves out the consumers that are done, excused or not yet due', () => {
    for (const name of ['payouts-batch', 'sso-bridge', 'kafka-connect-s3']) expect(demo.stdout).not.toContain(name);
  });

  it('keeps the snoozed consumer out of the nudges and mentions it as snoozed in the digest', () => {
    expect(demo.stdout).not.toContain('ios-push-relay');
    expect(teamBlock(demo.stdout, 'mobile')).toContain('android-fcm-sender');
    const digest = digestPart(demo.stdout);
    expect(digest).toMatch(/• mobile — 2 outstanding[^•]*1 snoozed/);
  });

  it('ends with the digest for the security lead, and says nothing was posted', () => {
    const digest = digestPart(demo.stdout);
    expect(digest).toContain('Digest for the security lead (not sent)');
    expect(digest).toContain('15 consumers outstanding across 6 teams');
    expect(digest).toContain('critical 3 · urgent 4 · firm 4 · gentle 4');
    expect(digest).toMatch(/ml-research[^•]*fallback/);
    expect(demo.stdout).toContain('dry-run: nothing was posted and nothing was written.');
  });

  it('fits 80 columns on every line', () => {
    const wide = demo.stdout.split('\n').filter((line) => columns(line) > 80);
    expect(wide).toEqual([]);
  });

  it('through a pipe with NO_COLOR: no ANSI escapes', () => {
    expect(demo.stdout).not.toMatch(ANSI);
  });

  it('--json: one JSON result, the same campaign', async () => {
    const run = await runCli([...DEMO, '--json'], { cwd });
    expect(run.code).toBe(3);
    const result = JSON.parse(run.stdout) as {
      command: string;
      outstanding: number;
      byTier: Record<string, number>;
      teams: Array<{ team: string; consumers: string[]; delivered: boolean }>;
      exitCode: number;
    };
    expect(result).toMatchObject({ command: 'dry-run', now: '2026-03-10T09:00:00.000Z', outstanding: 15, exitCode: 3 });
    expect(result.byTier).toEqual({ gentle: 4, firm: 4, urgent: 4, critical: 3 });
    expect(result.teams.map((t) => t.team).sort()).toEqual(['data-platform', 'identity', 'ml-research', 'mobile', 'payments', 'search']);
    expect(result.teams.every((t) => !t.delivered)).toBe(true);
    expect(result.teams.flatMap((t) => t.consumers)).not.toContain('mobile/ios-push-relay');
    expect(run.stderr).toBe('');
  });

  it('ignores a database, Slack and config the environment points at: the demo is always embedded', async () => {
    const nowhere = 'postgres://nobody:pw-not-used@127.0.0.1:1/none';
    const run = await runCli(DEMO, {
      cwd,
      env: {
        DATABASE_URL: nowhere,
        TEST_DATABASE_URL: process.env['TEST_DATABASE_URL'] ?? nowhere,
        PGHOST: '127.0.0.1',
        PGPORT: '1',
        SLACK_BOT_TOKEN: 'xoxb-1111-2222-chaserTestSecretToken',
        SLACK_API_URL: 'http://127.0.0.1:1/api/',
        CHASER_CONFIG: join(cwd, 'no-such-config.json'),
      },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    expect(run.stdout).toBe(demo.stdout);
  });

  it('FORCE_COLOR=1 colours it even through a pipe', async () => {
    // Not runCli: it always sets NO_COLOR, which wins over FORCE_COLOR.
    const run = await runWithEnv(DEMO, { FORCE_COLOR: '1' }, cwd);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(ANSI);
    expect(run.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toBe(demo.stdout); // same text, only coloured
  });

  describe.skipIf(!hasScript)('at a terminal (a pseudo-terminal through util-linux script)', () => {
    it('is coloured by default', async () => {
      const run = await runInTerminal(DEMO, {}, cwd);
      expect(run.code).toBe(3);
      expect(run.output).toMatch(ANSI);
    });

    it('NO_COLOR=1 turns colour off even there', async () => {
      const run = await runInTerminal(DEMO, { NO_COLOR: '1' }, cwd);
      expect(run.code).toBe(3);
      expect(run.output).toContain('dry-run: nothing was posted');
      expect(run.output).not.toMatch(ANSI);
    });
  });
});
