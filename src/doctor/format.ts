import kleur from 'kleur';
import type { Check } from './checks.js';

const MARK: Record<Check['status'], () => string> = {
  pass: () => kleur.green('✓'),
  warn: () => kleur.yellow('!'),
  fail: () => kleur.red('✗'),
  skip: () => kleur.dim('-'),
};

/** One line per check, grouped by section, the fix indented under each failure or warning (one line per problem). */
export function formatChecks(checks: readonly Check[]): string {
  const lines: string[] = [];
  let section: Check['section'] | undefined;
  for (const check of checks) {
    if (check.section !== section) {
      section = check.section;
      lines.push(kleur.bold(section));
    }
    lines.push(`  ${MARK[check.status]()} ${check.name}${check.detail ? kleur.dim(` — ${check.detail}`) : ''}`);
    if (check.fix && check.status !== 'pass') {
      // A fix of several lines (every problem of an invalid config) lines up under the first.
      const [first, ...rest] = check.fix.split('\n');
      lines.push(`      fix: ${first}`, ...rest.map((line) => `           ${line}`));
    }
  }
  return `${lines.join('\n')}\n`;
}
