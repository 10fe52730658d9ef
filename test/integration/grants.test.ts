import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { NOW } from '../support/clock.js';

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

  it('a role with only the README grants can sweep, and cannot write the inventory', async () => {
    const role = `chaser_sweeper_${randomBytes(3).toString('hex')}`;
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const url = new URL(s.db.url);
    const database = url.pathname.slice(1);
    for (const statement of readmeGrants(role, password, database)) await s.db.sql.unsafe(statement);
    try {
      await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(5) }]);
      url.username = role;
      url.password = password;
      const run = await s.run(['sweep', '--now', NOW.toISOString()], { env: { DATABASE_URL: url.toString() }, secrets: [password] });
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
      const asRole = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        await expect(asRole`update rotation_consumers set status = 'confirmed'`).rejects.toMatchObject({ code: '42501' });
      } finally {
        await asRole.end();
      }
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
  });
});
