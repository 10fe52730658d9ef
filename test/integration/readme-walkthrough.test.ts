import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.js';
import { REPO_ROOT, runCli, type CliRun } from '../support/cli.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';
import { DEFAULT_TOKEN, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

/**
 * The README's "first ten minutes", run for real: the demo, then the example config against a
 * new database seeded with the demo's campaign and a fake Slack workspace. Each ```text block of
 * the walk-through must be what the command prints, up to the instant it ran (dates and times
 * are compared as placeholders) and the edits the README admits (config path, database host).
 *
 * After a change to the output, re-paste every block from real runs with
 *   UPDATE_README=1 npx vitest run test/integration/readme-walkthrough.test.ts
 */

const README_PATH = join(REPO_ROOT, 'README.md');
const UPDATE = process.env['UPDATE_README'] === '1';

/** The blocks in the order the walk-through shows them, each with the step it belongs to. */
const STEPS = ['demo', 'migrate', 'doctor', 'dry-run --team payments', 'sweep', 'sweep again'] as const;
type Step = (typeof STEPS)[number];

function walkThrough(readme: string): { start: number; end: number } {
  const start = readme.indexOf('\n## The first ten minutes\n');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  return { start, end };
}

function textBlocks(readme: string): Array<{ at: number; body: string }> {
  const { start, end } = walkThrough(readme);
  const blocks: Array<{ at: number; body: string }> = [];
  for (const match of readme.slice(start, end).matchAll(/```text\n([\s\S]*?)\n```/g)) {
    blocks.push({ at: start + match.index + '```text\n'.length, body: match[1] ?? '' });
  }
  return blocks;
}

/**
 * The walk-through runs at one fixed past instant, a Tuesday 10:00 UTC, so what depends on the
 * hour (the teams' working windows, held nudges) is the same whenever the suite runs; a past one,
 * because sweep refuses a --now ahead of the database's clock. Doctor has no --now: its window
 * lines are compared up to "open now …" / "next opening …".
 */
const WALK_NOW = '2026-11-24T10:00:00Z';

/** Instants differ from run to run; their shape and everything around them must not. */
function normalise(text: string): string {
  return text
    .replace(/(window \S+ — )(open now, until [^;]+|next opening [^;]+);/g, '$1WINDOW;')
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, 'YYYY-MM-DD')
    .replace(/\b\d{2}:\d{2} UTC\b/g, 'HH:MM UTC')
    .replace(/\b\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, 'HH:MM:SSZ');
}

/** The demo as the README shows it: the summary and the first two teams, "…", then the digest to the end. */
function shortenDemo(stdout: string): string {
  const lines = stdout.replace(/\n$/, '').split('\n');
  const headings = lines.flatMap((line, index) => (line.startsWith('▌ ') ? [index] : []));
  const secondEnd = lines.indexOf('', headings[1] ?? 0);
  const digest = lines.findIndex((line) => line.startsWith('Digest for the security lead'));
  return [...lines.slice(0, secondEnd), '  …', ...lines.slice(digest)].join('\n');
}

describe("the README's first ten minutes, run for real", () => {
  let db: TestDatabase;
  let slack: FakeSlack;
  let dir: string;
  const printed = new Map<Step, string>();

  beforeAll(async () => {
    db = await startTestDatabase({ migrated: false });
    slack = await startFakeSlack({
      // im:write: the example config escalates to a user (payments' manager), which is a DM.
      scopes: ['chat:write', 'channels:join', 'channels:read', 'groups:read', 'im:write'],
      identity: { team: 'Acme', user: 'chaser' },
      // The example config's channels: C04PAYMENTS by id, the others by name.
      channels: [
        { id: 'C04PAYMENTS', name: 'payments-alerts' },
        { id: 'C05IDENTITY', name: 'identity-alerts' },
        { id: 'C06SEARCH01', name: 'search-team' },
        { id: 'C07SECROTAT', name: 'security-rotation' },
        { id: 'C08SECLEADS', name: 'security-leads' },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'chaser-walkthrough-'));
    // Step 2: the example config as copied, its database URL left to DATABASE_URL.
    const { database: _database, ...example } = JSON.parse(readFileSync(join(REPO_ROOT, 'chaser.config.example.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(dir, 'chaser.config.json'), JSON.stringify(example, null, 2));
    const env = { DATABASE_URL: db.url, SLACK_BOT_TOKEN: DEFAULT_TOKEN, SLACK_API_URL: slack.url };
    const run = async (step: Step, args: string[], edit: (stdout: string) => string = (s) => s) => {
      const result: CliRun = await runCli(args, { cwd: dir, env });
      printed.set(step, edit(result.stdout.replace(/\n$/, '')));
    };

    await run('demo', ['dry-run', '--demo', '--now', WALK_NOW], shortenDemo);
    await run('migrate', ['migrate']);
    await seedDemo(db.sql, new Date(WALK_NOW));
    const { host, pathname } = new URL(db.url);
    await run('doctor', ['doctor'], (s) =>
      s.replaceAll(`${dir}/`, '/srv/chaser/').replaceAll(`${host}${pathname}`, 'db.internal:5432/secrets_inventory'),
    );
    // The README shows the preview down to the team's message; the digest follows in the demo above.
    await run('dry-run --team payments', ['dry-run', '--team', 'payments', '--now', WALK_NOW], (s) =>
      s.slice(0, s.indexOf('\nDigest for the security lead')).replace(/\n+$/, ''),
    );
    await run('sweep', ['sweep', '--now', WALK_NOW]);
    // The re-run: from the totals line on (the tier table is the same as the first sweep's).
    await run('sweep again', ['sweep', '--now', WALK_NOW], (s) => s.slice(s.search(/^ {2}\d+ outstanding/m)));

    if (UPDATE) {
      let readme = readFileSync(README_PATH, 'utf8');
      const blocks = textBlocks(readme);
      expect(blocks).toHaveLength(STEPS.length);
      // From the last block back, so earlier offsets stay valid.
      for (let i = STEPS.length - 1; i >= 0; i -= 1) {
        const block = blocks[i]!;
        readme = readme.slice(0, block.at) + printed.get(STEPS[i]!)! + readme.slice(block.at + block.body.length);
      }
      writeFileSync(README_PATH, readme);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all([db?.stop(), slack?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has one ```text block per step, in order', () => {
    expect(textBlocks(readFileSync(README_PATH, 'utf8'))).toHaveLength(STEPS.length);
  });

  it.each(STEPS.map((step, index) => [step, index] as const))('shows what %s prints', (step, index) => {
    const block = textBlocks(readFileSync(README_PATH, 'utf8'))[index];
    expect(normalise(block?.body ?? ''), `README block ${index + 1}; re-paste with UPDATE_README=1`).toBe(
      normalise(printed.get(step) ?? ''),
    );
  });
});
