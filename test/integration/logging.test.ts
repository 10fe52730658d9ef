import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { backend, insertConsumers } from '../support/db.js';
import { baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { closedPort } from '../support/ports.js';
import { NOW } from '../support/clock.js';

/**
 * What chaser writes on stderr, by verbosity. A child process's stderr is a pipe here, as under
 * cron, Kubernetes or CI: with -v a log collector gets one JSON object per line; without it a
 * person gets short human lines; with -q only errors.
 */

const ISO = NOW.toISOString();

interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** Every line of stderr parsed as JSON; fails naming the first line that is not one object. */
function jsonLines(stderr: string): LogLine[] {
  const lines = stderr.split('\n').filter((line) => line !== '');
  return lines.map((line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      expect.fail(`stderr line is not JSON: ${line}`);
    }
    expect(parsed, line).toEqual(expect.objectContaining({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) }));
    const entry = parsed as LogLine;
    expect(new Date(entry.time).toISOString(), line).toBe(entry.time);
    expect(['error', 'warn', 'info', 'debug'], line).toContain(entry.level);
    return entry;
  });
}

describe(`chaser's logs on stderr (${backend})`, () => {
  const s = useScenario();

  /** payments is due a nudge; ghosts has no route and no fallback: a warning on every run. */
  async function seed() {
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) },
      { id: 'ghost-1', owner_team: 'ghosts', rotation_deadline: daysBefore(2) },
    ]);
  }

  describe('-v with stderr not a terminal: one JSON object per line', () => {
    it('a sweep logs its steps (debug), the warning and the Slack calls, each line {time, level, msg, …}', async () => {
      await seed();
      const run = await s.run(['sweep', '--now', ISO, '-v']);
      expect(run.code).toBe(3);
      const lines = jsonLines(run.stderr);
      expect(lines.map((l) => l.level)).toEqual(expect.arrayContaining(['debug', 'info', 'warn']));
      expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/team "ghosts" has no channel/) }));
      expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'nudged payments', channel: CHANNELS.payments }));
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'run stats', exitCode: 3 }));
      // stdout still carries only the result.
      expect(run.stdout).toMatch(/^chaser sweep · as of/);
    });

    it('a dry-run logs as JSON too', async () => {
      await seed();
      const run = await s.run(['dry-run', '--now', ISO, '-v']);
      expect(run.code).toBe(3);
      const lines = jsonLines(run.stderr);
      expect(lines.some((l) => l.level === 'warn')).toBe(true);
    });

    it('an error a user can cause is one JSON line, its details in a field', async () => {
      s.writeConfig({ ...baseConfig(), tiers: 'soon' });
      const run = await s.run(['dry-run', '--now', ISO, '-v']);
      expect(run.code).toBe(78);
      const lines = jsonLines(run.stderr);
      const error = lines.find((l) => l.level === 'error');
      expect(error?.msg).toMatch(/invalid config/);
      expect(error?.['details']).toEqual([expect.stringMatching(/^tiers: /)]);
    });

    it('Postgres unreachable (69): JSON lines, the password nowhere', async () => {
      const url = `postgres://chaser:Log-pw-77@127.0.0.1:${await closedPort()}/chaser`;
      const run = await s.run(['dry-run', '--now', ISO, '-v'], { env: { DATABASE_URL: url }, secrets: ['Log-pw-77'] });
      expect(run.code).toBe(69);
      const lines = jsonLines(run.stderr);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: expect.stringMatching(/cannot reach Postgres/) }));
    });

    it('an internal error (70): the bug-report hint and the stack stay inside JSON lines', async () => {
      await seed();
      await s.db.sql`alter table chaser_nudge_state drop column last_tier`;
      try {
        const run = await s.run(['dry-run', '--now', ISO, '-v']);
        expect(run.code).toBe(70);
        const lines = jsonLines(run.stderr);
        const text = JSON.stringify(lines);
        expect(text).toMatch(/this is a bug in chaser/);
        expect(text).toMatch(/last_tier/);
      } finally {
        await s.db.sql`alter table chaser_nudge_state add column if not exists last_tier text null`;
      }
    });
  });

  describe('without -v: short human lines', () => {
    it('a warning is one line prefixed "chaser: warning:"; no JSON, no debug', async () => {
      await seed();
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(3);
      const lines = run.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toEqual([expect.stringMatching(/^chaser: warning: team "ghosts" has no channel and there is no fallbackChannel/)]);
    });

    it('an error is "chaser: error: …" with its details indented under it', async () => {
      s.writeConfig({ ...baseConfig(), tiers: 'soon', slak: {} });
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(78);
      expect(run.stderr.split('\n').filter((l) => l !== '')).toEqual([
        expect.stringMatching(/^chaser: error: invalid config in /),
        expect.stringMatching(/^ {2}tiers: /),
        expect.stringMatching(/^ {2}slak: unknown key/),
      ]);
    });
  });

  describe('-q: errors only', () => {
    it('a warning is not shown', async () => {
      await seed();
      const run = await s.run(['sweep', '--now', ISO, '-q']);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe('');
    });

    it('a failed delivery still is, as an error line', async () => {
      await seed();
      s.writeConfig({ ...baseConfig(), teams: { payments: { channel: 'C0NOSUCHCHN' } } });
      const run = await s.run(['sweep', '--now', ISO, '-q']);
      expect(run.code).toBe(4);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toEqual([expect.stringMatching(/^chaser: error: 1 team message\(s\) not delivered: payments \(channel_not_found\)/)]);
    });

    it('a config error still is, with its details', async () => {
      s.writeConfig({ ...baseConfig(), tiers: 'soon' });
      const run = await s.run(['dry-run', '--now', ISO, '-q']);
      expect(run.code).toBe(78);
      expect(run.stderr).toMatch(/^chaser: error: invalid config in .*\n {2}tiers: /);
    });
  });

  // util-linux `script` gives the child a pseudo-terminal: what a person running chaser by hand sees.
  it.skipIf(process.platform !== 'linux' || !existsSync('/usr/bin/script'))('-v at a terminal: plain lines, not JSON', async () => {
    await seed();
    const env = { ...s.env(), PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TERM: 'xterm' };
    const command = [process.execPath, CLI, 'dry-run', '--now', ISO, '-v'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: s.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(3);
    const logLines = output.split(/\r?\n/).filter((l) => l.startsWith('chaser: ') || l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(1);
    expect(logLines.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(logLines).toContainEqual(expect.stringMatching(/^chaser: warning: team "ghosts"/));
  });
});
