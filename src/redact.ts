/**
 * Secrets must never reach stdout, stderr, --json, logs or the run record. Everything chaser
 * prints passes through one redactor built from the secrets it knows about (the Slack token,
 * the database password), plus a pattern pass for URL passwords and Slack tokens it was not told of.
 */
export type Redact = (text: string) => string;

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]+)(@)/gi;
const SLACK_TOKEN = /\bxox[abeprs]-[A-Za-z0-9-]+/g;

export interface Redactor extends Redact {
  /** Secrets learnt later (the password in a config file's database.url). */
  add(secret: string | undefined): void;
}

export function createRedactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const known: string[] = [];
  const add = (secret: string | undefined) => {
    if (typeof secret !== 'string' || secret.length < 4 || known.includes(secret)) return;
    known.push(secret);
    // Text bound for Slack is escaped (& < >) before it reaches the one door out (the notifier):
    // a password with those characters is looked for in that form too.
    const escaped = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    if (escaped !== secret && !known.includes(escaped)) known.push(escaped);
    // Longest first, so a secret that contains another is replaced whole.
    known.sort((a, b) => b.length - a.length);
  };
  secrets.forEach(add);
  const redact = (text: string) => {
    let out = text;
    for (const secret of known) out = out.split(secret).join('[REDACTED]');
    return out.replace(URL_PASSWORD, '$1[REDACTED]$3').replace(SLACK_TOKEN, 'xox?-[REDACTED]');
  };
  return Object.assign(redact, { add });
}

/** Every string inside a JSON-like value (a Block Kit message) redacted; the shape is kept. */
export function redactDeep<T>(value: T, redact: Redact): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, redact)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}

/** The password of a postgres:// URL, so it can be redacted wherever it might be echoed (URL-decoded too). */
export function passwordOf(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const password = new URL(url).password;
    if (!password) return [];
    return [password, decodeURIComponent(password)];
  } catch {
    return [];
  }
}
