import type { ExitCode } from '../exit-codes.js';
import { printableJson } from '../printable.js';

/** One line of `chaser doctor`: what was checked, whether it passed, and the fix when it did not. */
export interface Check {
  section: 'config' | 'database' | 'slack';
  name: string;
  /** warn: works, but something is worth fixing (does not change the exit code). */
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail?: string;
  /** What to do; one line per problem when there are several (printed aligned under each other). */
  fix?: string;
  /** For failures: the exit code this problem maps to. */
  code?: ExitCode;
}

type Section = Check['section'];

export const pass = (section: Section, name: string, detail?: string): Check => ({
  section,
  name,
  status: 'pass',
  ...(detail ? { detail } : {}),
});

export const fail = (section: Section, name: string, code: ExitCode, detail: string, fix: string): Check => ({
  section,
  name,
  status: 'fail',
  code,
  detail,
  fix,
});

export const warn = (section: Section, name: string, detail: string, fix?: string): Check => ({
  section,
  name,
  status: 'warn',
  detail,
  ...(fix ? { fix } : {}),
});

export const skip = (section: Section, name: string, detail: string): Check => ({ section, name, status: 'skip', detail });

/** Names for a check's detail: the first few, quoted, then how many more. */
export function quotedList(names: readonly string[]): string {
  const shown = names
    .slice(0, 8)
    .map((name) => printableJson(name))
    .join(', ');
  return names.length > 8 ? `${shown}, … and ${names.length - 8} more` : shown;
}
