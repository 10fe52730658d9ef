import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CLI = fileURLToPath(new URL('../../bin/chaser.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Slack token every test uses: distinctive, so the secret sweep below cannot miss it. */
export const TEST_TOKEN = 'xoxb-1111-2222-chaserTestSecretToken';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Secrets that must appear in no output of this run (the token is always checked). */
  secrets?: string[];
  /** Close the reading end of stdout at once, as `| head -1` does once it has its line. */
  closeStdout?: boolean;
}

/**
 * Spawns the BUILT binary with a scrubbed environment (PATH + NO_COLOR + what the test gives),
 * as a scheduler would. Every run is swept for secrets: the token and any given password must
 * never be printed, whatever the command and whatever went wrong.
 */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' };
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  if (options.closeStdout) child.stdout.destroy();
  else child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const run = { code, signal, stdout, stderr };
      try {
        assertNoSecrets(run, [TEST_TOKEN, ...(options.secrets ?? [])]);
        resolve(run);
      } catch (leak) {
        reject(leak); // a leak fails the test at once, not as a timeout
      }
    });
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

export function assertNoSecrets(run: Pick<CliRun, 'stdout' | 'stderr'>, secrets: string[]): void {
  for (const secret of secrets.filter((s) => s.length > 0)) {
    expect(run.stdout, 'a secret leaked to stdout').not.toContain(secret);
    expect(run.stderr, 'a secret leaked to stderr').not.toContain(secret);
  }
}

/** The password of a URL, for the secret sweep (empty when there is none). */
export function urlPassword(url: string): string[] {
  const password = new URL(url).password;
  return password ? [password, decodeURIComponent(password)] : [];
}
