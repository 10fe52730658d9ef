import { z } from 'zod';

/**
 * Turns zod's issues into the lines a user reads: `<dot.path>: <what is wrong and what to write
 * instead>`. The rule-specific wording lives next to each rule in schema.ts; this file holds the
 * shared phrasing, the path notation and the unknown-key advice.
 */

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;
export type ErrorFn = (issue: RawIssue) => string;

const SHOWN_STRING_LENGTH = 60;

/** How a value the user wrote is quoted back: strings in JSON quotes (cut short), containers by kind. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const cut = value.length > SHOWN_STRING_LENGTH ? `${value.slice(0, SHOWN_STRING_LENGTH)}…` : value;
    return JSON.stringify(cut);
  }
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Only a JS config can hold these; a function's source is not echoed back.
  return typeof value === 'function' ? 'a function' : 'a symbol';
}

/**
 * The common message: "expected <what>, got <value>", or "missing: expected <what>" for an absent
 * required key. `hint` (a string, or computed from the value) follows in parentheses.
 */
export function expected(what: string, hint?: string | ((input: unknown) => string | undefined)): ErrorFn {
  return (issue) => {
    const text = issue.input === undefined ? `missing: expected ${what}` : `expected ${what}, got ${show(issue.input)}`;
    const extra = typeof hint === 'function' ? hint(issue.input) : hint;
    return extra === undefined ? text : `${text} (${extra})`;
  };
}

/** Like `expected`, for values that may be secret (a database URL): never quotes what was written. */
export function expectedWithoutEcho(what: string): ErrorFn {
  return (issue) => (issue.input === undefined ? `missing: expected ${what}` : `expected ${what}`);
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["tiers", 2, "every"]` → `tiers[2].every`; keys that are not plain names in brackets: `teams["core platform"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(root)' : text;
}

/** Unknown keys whose name says what they are for get the right advice instead of a typo hint. */
function adviceForUnknownKey(key: string): string | undefined {
  const lower = key.toLowerCase();
  if (lower.includes('token')) {
    return 'the token is read only from the SLACK_BOT_TOKEN environment variable; remove it from the file';
  }
  if (lower.includes('password')) {
    return 'keep the database password out of the file: put it in DATABASE_URL or the PGPASSWORD environment variable';
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const advice = adviceForUnknownKey(key);
  if (advice !== undefined) return advice;
  const closest = allowed
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = closest !== undefined && closest.distance <= 2 ? `did you mean "${closest.candidate}"? ` : '';
  // Typos must not be silently ignored: a misspelt "mention" would quietly mean "no mention".
  return `unknown key; ${hint}allowed here: ${allowed.join(', ')}`;
}

/** The keys an object at `path` accepts, found by walking the schema the same way the input was walked. */
function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (let i = 0; ; i++) {
    while (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) {
      current = current.unwrap();
    }
    if (i === path.length) break;
    if (current instanceof z.ZodObject) current = current.shape[String(path[i])];
    else if (current instanceof z.ZodArray) current = current.element;
    else if (current instanceof z.ZodRecord) current = current.valueType;
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

/** One line per problem; an issue naming several unknown keys becomes one line per key, each with its own path. */
export function formatIssues(issues: readonly Issue[], schema: z.ZodType): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, issue.path);
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: ${unknownKeyMessage(key, allowed)}`);
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return [...new Set(lines)];
}

/** Last resort for an issue no rule worded (should not happen; keeps the path and says what was found). */
export const fallbackError: ErrorFn = (issue) => {
  if (issue.code === 'invalid_type') return expected(`a ${issue.expected}`)(issue);
  return `invalid value ${show(issue.input)}`;
};
