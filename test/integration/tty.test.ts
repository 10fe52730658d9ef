import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, TEST_TOKEN } from '../support/cli.js';
import { backend, insertConsumers } from '../support/db.js';
import { daysBefore, useScenario } from '../support/scenario.js';
import { NOW } from '../support/clock.js';

/**
 * Runs the CLI under util-linux `script`, which gives it a pseudo-terminal: what a person at a
 * terminal sees (stdout and stderr merged, as a terminal shows them).
 */
function runInTerminal(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm-256color', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe(`at a terminal (${backend})`, () => {
  const s = useScenario();

  it('a sweep shows its progress on stderr, in colour; --json gets no progress, NO_COLOR no colour', async () => {
    await insertConsumers(s.db.sql, [
      { id: 'a', owner_team: 'payments', rotation_deadline: daysBefore(2) },
      { id: 'b', owner_team: 'search', rotation_deadline: daysBefore(2) },
    ]);
    const atTerminal = await runInTerminal(['sweep', '--now', NOW.toISOString()], s.env(), s.dir);
    expect(atTerminal.code).toBe(3);
    expect(atTerminal.output).toContain('sent 2/2 team messages');
    expect(atTerminal.output).toMatch(/\x1b\[\d+m/); // kleur colours a terminal
    expect(atTerminal.output).not.toContain(TEST_TOKEN);

    await s.db.reset();
    await insertConsumers(s.db.sql, [{ id: 'c', owner_team: 'payments', rotation_deadline: daysBefore(2) }]);
    const json = await runInTerminal(['sweep', '--now', NOW.toISOString(), '--json'], s.env(), s.dir);
    expect(json.output).not.toContain('team messages');

    await s.db.reset();
    await insertConsumers(s.db.sql, [{ id: 'd', owner_team: 'payments', rotation_deadline: daysBefore(2) }]);
    const noColor = await runInTerminal(['sweep', '--now', NOW.toISOString()], { ...s.env(), NO_COLOR: '1' }, s.dir);
    expect(noColor.output).not.toMatch(/\x1b\[\d+m/);
    expect(noColor.output).toContain('sent 1/1 team messages'); // progress is not colour
  });
});
