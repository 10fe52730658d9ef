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
