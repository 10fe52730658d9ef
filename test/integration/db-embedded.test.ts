import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { readOverdueConsumers } from '../../src/db/consumers.js';
import { migrate } from '../../src/db/migrate.js';
import { DEFAULT_SOURCE } from '../../src/config/defaults.js';
import { insertConsumers } from '../support/db.js';
import { NOW } from '../support/clock.js';

const DAY_MS = 86_400_000;

/** Runs a postgres.js query in a separate node process, as the CLI would, and returns its stdout. */
function queryFromChildProcess(url: string, text: string): Promise<string> {
  const script = `
    import postgres from 'postgres';
    const sql = postgres(process.env.URL, { max: 2, onnotice: () => {} });
    const rows = await sql.unsafe(process.env.QUERY);
    process.stdout.write(JSON.stringify(rows));
    await sql.end();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('../../', import.meta.url),
      env: { PATH: process.env['PATH'] ?? '', URL: url, QUERY: text },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('embedded PGlite server (startEmbeddedPostgres)', () => {
  let embedded: EmbeddedPostgres;
  let first: Sql;
  let second: Sql;
  let bootMs = 0;

  beforeAll(async () => {
    const started = performance.now();
    embedded = await startEmbeddedPostgres({ env: process.env, schema: 'empty' });
    bootMs = performance.now() - started;
    first = connect(embedded.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 4 });
    second = connect(embedded.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 4 });
    await migrate(first);
  });

  afterAll(async () => {
    await first?.end();
    await second?.end();
    await embedded?.stop();
  });

  it('boots in a bounded time and serves a loopback URL without a password', () => {
    console.info(`PGlite boot (create + socket server): ${Math.round(bootMs)} ms`);
    expect(embedded.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(bootMs).toBeLessThan(60_000);
  });

  it('serves two postgres.js pools at once: a write through one is read through the other', async () => {
    await insertConsumers(first, [{ id: 'from-first', rotation_deadline: new Date(NOW.getTime() - DAY_MS) }]);
    const [row] = await second<{ id: string }[]>`select id from rotation_consumers where id = ${'from-first'}`;
    expect(row?.id).toBe('from-first');
  });

  it('keeps concurrent queries and transactions of several pools apart', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => first<{ n: number }[]>`select ${i}::int as n`),
      ...Array.from({ length: 10 }, (_, i) => second<{ n: number }[]>`select ${100 + i}::int as n`),
    ]);
    expect(results.map((rows) => rows[0]?.n)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 10 }, (_, i) => 100 + i),
    ]);

    const committed = first.begin(async (tx) => {
      await tx`insert into rotation_consumers (id, name, owner_team, key_id, rotation_deadline) values ('tx-commit', 'n', 't', 'k', ${NOW})`;
    });
    const rolledBack = second
      .begin(async (tx) => {
        await tx`insert into rotation_consumers (id, name, owner_team, key_id, rotation_deadline) values ('tx-rollback', 'n', 't', 'k', ${NOW})`;
        throw new Error('roll me back');
      })
      .catch((error: Error) => error.message);
    expect(await rolledBack).toBe('roll me back');
    await committed;
    const ids = await first<{ id: string }[]>`select id from rotation_consumers where id like 'tx-%' order by id`;
    expect(ids.map((r) => r.id)).toEqual(['tx-commit']);
  });

  it('streams a cursor read in batches; a query from another pool meanwhile waits instead of breaking it', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({
      id: `bulk-${String(i).padStart(3, '0')}`,
      rotation_deadline: new Date(NOW.getTime() - (i + 1) * 60_000),
    }));
    await insertConsumers(first, rows);
    const batches: number[] = [];
    let meanwhile: Promise<unknown> | undefined;
    for await (const batch of readOverdueConsumers(first, DEFAULT_SOURCE, { now: NOW, hasSnoozedUntil: true, batchSize: 100 })) {
      batches.push(batch.length);
      // Shared session: without the read's transaction this query would destroy the open portal.
      meanwhile ??= second`select count(*)::int as n from rotation_consumers`;
    }
    expect(batches).toEqual([100, 100, 51]);
    expect(await meanwhile).toEqual([{ n: 252 }]); // the 251 read + tx-commit, which is due exactly at NOW (not overdue)
  });

  it('is reachable from a child process while this process holds its own connections', async () => {
    const out = await queryFromChildProcess(embedded.url, "select count(*)::int as n from rotation_consumers where id = 'from-first'");
    expect(JSON.parse(out)).toEqual([{ n: 1 }]);
  });
});
