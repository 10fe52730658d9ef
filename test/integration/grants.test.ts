import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { DAY_MS, NOW } from '../support/clock.js';

/** The README's least-privilege grants, as written there: the test runs exactly what users copy. */
function readmeGrants(role: string, password: string, database: string): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /### Least-privilege grants[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no least-privilege grants block');
  return block
    .replaceAll('chaser_sweeper', role)
    .replace("password '…'", `password '${password}'`)
    .replace('on database inventory', `on database ${database}`)
    .split(';')
    .map((statement) => statement.replace(/--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}

describe.skipIf(backend === 'pglite')('least-privilege grants (real Postgres only: PGlite has no roles to speak of)', () => {
  const s = useScenario();

  /** A role with exactly the README's grants for the duration of `use`, then dropped; its DATABASE_URL is passed in. */
  async function asReadmeRole(use: (databaseUrl: string, password: string) => Promise<void>): Promise<void> {
    const role = `chaser_sweeper_${randomBytes(3).toString('hex')}`;
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const url = new URL(s.db.url);
    const database = url.pathname.slice(1);
    for (const statement of readmeGrants(role, password, database)) await s.db.sql.unsafe(statement);
    try {
      url.username = role;
      url.password = password;
      await use(url.toString(), password);
    } finally {
      for (const statement of [
        `revoke all on all tables in schema public from ${role}`,
        `revoke all on all sequences in schema public from ${role}`,
        `revoke all on schema public from ${role}`,
        `revoke all on database ${database} from ${role}`,
        `drop role ${role}`,
      ]) {
        await s.db.sql.unsafe(statement);
      }
    }
  }

  it('a role with only the README grants can sweep, and cannot write the inventory', async () => {
    await asReadmeRole(async (databaseUrl, password) => {
      await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(5) }]);
      const run = await s.run(['sweep', '--now', NOW.toISOString()], { env: { DATABASE_URL: databaseUrl }, secrets: [password] });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(3);
      expect(
        s.slack
          .posts()
          .map((p) => p.channelId)
          .sort(),
      ).toEqual([CHANNELS.payments, CHANNELS.security].sort());
      const [state] = await s.db.sql`select nudge_count from chaser_nudge_state where consumer_id = 'pay-1'`;
      expect(state?.nudge_count).toBe(1);

      const postgres = (await import('postgres')).default;
      const asRole = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      try {
        await expect(asRole`update rotation_consumers set status = 'confirmed'`).rejects.toMatchObject({ code: '42501' });
      } finally {
        await asRole.end();
      }
    });
  });

  it('the same role can escalate past a silent team and record an answer seen in the inventory', async () => {
    s.writeConfig({
      ...baseConfig(),
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none', escalateAfterIgnored: 1, escalateTo: CHANNELS.security }],
    });
    await asReadmeRole(async (databaseUrl, password) => {
      await insertConsumers(s.db.sql, [
        { id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(5) },
        { id: 'pay-2', owner_team: 'payments', rotation_deadline: daysBefore(5) },
      ]);
      const sweep = async (days: number) => {
        const at = new Date(NOW.getTime() + days * DAY_MS).toISOString();
        const run = await s.run(['sweep', '--now', at, '--no-digest'], { env: { DATABASE_URL: databaseUrl }, secrets: [password] });
        // (The fake Slack's default scopes draw a warning about reading threads: not a grant.)
        expect(run.stderr).not.toMatch(/permission denied|42501/i);
        expect(run.code, run.stderr).toBe(3);
      };
      await sweep(0);
      await sweep(1); // day 0's nudge ignored: K = 1
      expect(await s.db.sql`select step from chaser_escalations`).toEqual([{ step: 1 }]);
      await s.db.sql`update rotation_consumers set status = 'confirmed' where id = 'pay-1'`;
      await sweep(2);
      expect(await s.db.sql`select consumer_id, how from chaser_inventory_responses`).toEqual([{ consumer_id: 'pay-1', how: 'status' }]);
    });
  });
});
