import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';

/**
 * The README's reference tables against what the code returns and says: every exit code each
 * command can end with, and every term chaser's output uses.
 */

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function tableAfter(heading: string): string[][] {
  const start = README.indexOf(`\n## ${heading}\n`);
  expect(start, `README section "## ${heading}"`).toBeGreaterThan(0);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of README.slice(start).split('\n').slice(2)) {
    if (line.startsWith('|')) {
      inTable = true;
      rows.push(
        line
          .slice(1, -1)
          .split(/(?<!\\)\|/)
          .map((cell) => cell.trim()),
      );
    } else if (inTable) break;
  }
  return rows.slice(2); // header and --- row
}

const COMMANDS = ['sweep', 'digest', 'dry-run', 'migrate', 'doctor'] as const;

/**
 * What each command can exit with. Pinned here from the code: 3 only where --fail-on applies, 4
 * only where something is posted, 75 only where the lock is taken; SLACK_BOT_TOKEN missing is 78
 * for sweep, digest and doctor; doctor ends with its worst check (69 or 78) or 0.
 */
const CAN_RETURN: Record<(typeof COMMANDS)[number], number[]> = {
  sweep: [0, 3, 4, 64, 69, 70, 75, 78, 130, 143],
  digest: [0, 3, 4, 64, 69, 70, 78, 130, 143],
  'dry-run': [0, 3, 64, 69, 70, 78, 130, 143],
  migrate: [0, 64, 69, 70, 78],
  doctor: [0, 64, 69, 70, 78],
};

function commandsOf(cell: string): string[] {
  if (cell === 'every command') return [...COMMANDS];
  const but = /^every command but `?([\w -]+?)`?(?: \(|$)/.exec(cell);
  if (but) return COMMANDS.filter((command) => !but[1]!.startsWith(command) || but[1]!.includes('--demo'));
  return cell.split(/,\s*/).map((name) => name.trim());
}

describe("the README's exit-code table", () => {
  const rows = tableAfter('Exit codes');
  const byCode = new Map(rows.flatMap((row) => (row[0] ?? '').split('/').map((code) => [Number(code.trim()), row] as const)));

  it('has a row for every exit code in src/exit-codes.ts and for the two signals', () => {
    for (const code of [...Object.values(ExitCode), 130, 143]) expect(byCode.has(code), `exit code ${code}`).toBe(true);
  });

  it.each(COMMANDS)('says which codes %s can return, and no others', (command) => {
    const listed = [...byCode.entries()].filter(([, row]) => commandsOf(row[2] ?? '').includes(command)).map(([code]) => code);
    expect(listed.sort((a, b) => a - b)).toEqual(CAN_RETURN[command]);
  });

  it('names a missing SLACK_BOT_TOKEN under 78, and the doctor marks', () => {
    expect(byCode.get(ExitCode.config)?.[1]).toContain('`SLACK_BOT_TOKEN` not set');
    expect(byCode.get(ExitCode.ok)?.[1]).toContain('doctor');
  });
});

/** Words chaser prints (terminal, digest, team messages, doctor) that a reader may not know. */
const TERMS = [
  'outstanding',
  'pending',
  'confirmed',
  'exempt',
  'deadline',
  'days overdue',
  'tier',
  'cadence',
  'due',
  'waiting',
  'snoozed',
  'nudge',
  'route',
  'fallback',
  'unrouted',
  'mention',
  'digest',
  'needs attention',
  'skipped rows',
  'run record',
  'still seen on the old key',
  'looks done',
];

describe("the README's glossary", () => {
  const defined = tableAfter('Glossary').map((row) => (row[0] ?? '').toLowerCase());

  it.each(TERMS)('defines "%s"', (term) => {
    expect(defined.some((cell) => cell.split(/,\s*|\s*\(/).some((t) => t.replace(/`/g, '').trim().startsWith(term)))).toBe(true);
  });
});
