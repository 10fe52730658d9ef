import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { runCli, startCli, TEST_TOKEN, urlPassword, type CliOptions, type CliRun } from './cli.js';
import { startTestDatabase, type TestDatabase } from './db.js';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack, type FakeSlackOptions } from './fake-slack.js';
import { DAY_MS, NOW } from './clock.js';

/** The workspace every whole-command test posts into. */
export const CHANNELS = {
  payments: 'C0PAYMENTS1',
  search: 'C0SEARCH001',
  identity: 'C0IDENTITY1',
  fallback: 'C0FALLBACK1',
  security: 'C0SECURITY1',
} as const;

/** A config routing three teams, the digest to #security; Slack pacing off so tests never wait. */
export function baseConfig(): Record<string, unknown> {
  return {
    teams: {
      payments: { channel: CHANNELS.payments, mention: 'S0PAYONCALL' },
      search: { channel: CHANNELS.search },
      identity: { channel: CHANNELS.identity },
    },
    digest: { channel: CHANNELS.security },
    slack: { perChannelIntervalMs: 0, retries: 0, timeoutMs: 2000 },
  };
}

export interface Scenario {
  db: TestDatabase;
  slack: FakeSlack;
  dir: string;
  /** Writes chaser.config.json into the scenario's working directory. */
  writeConfig(config: Record<string, unknown>): void;
  /** The built CLI, run in the scenario directory with DATABASE_URL, SLACK_BOT_TOKEN and SLACK_API_URL set. */
  run(args: string[], options?: CliOptions): Promise<CliRun>;
  start(args: string[], options?: CliOptions): ReturnType<typeof startCli>;
  env(): Record<string, string>;
}

/**
 * One database, one fake Slack and one temp directory per test file; emptied before each test.
 * Registered where it is made: the vitest hooks below clean up after the file.
 */
export function useScenario(options: { slack?: FakeSlackOptions; config?: Record<string, unknown> } = {}): Scenario {
  const scenario = {} as Scenario;
  beforeAll(async () => {
    const [db, slack] = await Promise.all([
      startTestDatabase(),
      startFakeSlack({
        token: TEST_TOKEN,
        channels: Object.entries(CHANNELS).map(([name, id]) => ({ id, name })),
        users: [{ id: 'U0SECLEAD01', email: 'lead@example.com' }],
        ...options.slack,
      }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'chaser-test-'));
    const env = () => ({ DATABASE_URL: db.url, SLACK_BOT_TOKEN: TEST_TOKEN, SLACK_API_URL: slack.url });
    const withDefaults = (o: CliOptions = {}): CliOptions => ({
      cwd: dir,
      ...o,
      env: { ...env(), ...o.env },
      secrets: [...urlPassword(db.url), ...(o.secrets ?? [])],
    });
    Object.assign(scenario, {
      db,
      slack,
      dir,
      env,
      writeConfig: (config: Record<string, unknown>) => writeFileSync(join(dir, 'chaser.config.json'), JSON.stringify(config, null, 2)),
      run: (args: string[], o?: CliOptions) => runCli(args, withDefaults(o)),
      start: (args: string[], o?: CliOptions) => startCli(args, withDefaults(o)),
    });
  });
  beforeEach(async () => {
    await scenario.db.reset();
    scenario.slack.reset();
    scenario.writeConfig(options.config ?? baseConfig());
  });
  afterAll(async () => {
    await Promise.all([scenario.db?.stop(), scenario.slack?.close()]);
    if (scenario.dir) rmSync(scenario.dir, { recursive: true, force: true });
  });
  return scenario;
}

export const daysBefore = (days: number, from: Date = NOW) => new Date(from.getTime() - days * DAY_MS);
export const at = (ms: number) => new Date(NOW.getTime() + ms);

/** Every scope the living threads' reads and marks need (answers read back, 👀, the team's user group). */
export const ANSWER_READ_SCOPES: readonly string[] = [
  ...DEFAULT_SCOPES,
  'channels:history',
  'groups:history',
  'reactions:read',
  'reactions:write',
  'usergroups:read',
];

export const ANA = 'U0ANA00001'; // in the payments on-call group S0PAYONCALL

/** A workspace where payments answers in its threads: the lead, Ana in payments' group, and these others. */
export function answeringSlack(...others: NonNullable<FakeSlackOptions['users']>): FakeSlackOptions {
  return {
    scopes: ANSWER_READ_SCOPES,
    users: [{ id: 'U0SECLEAD01', email: 'lead@example.com' }, { id: ANA, email: 'ana@example.com' }, ...others],
    usergroups: { S0PAYONCALL: [ANA] },
  };
}
