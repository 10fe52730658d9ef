import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, describeDbError, describeTarget, isConnectionLost, type Sql } from '../../src/db/connect.js';
import { ChaserError } from '../../src/exit-codes.js';
import { createRedactor } from '../../src/redact.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';

const PASSWORD = 'S3cr3t-pa55word';
const redact = createRedactor([PASSWORD]);
const OPTIONS = { connectTimeoutSeconds: 5, statementTimeoutMs: 30_000, max: 1 };

/** A loopback port nobody listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The ChaserError a failing first query turns into, with the pool closed afterwards. */
async function failureOf(sql: Sql, query: (sql: Sql) => Promise<unknown> = (s) => s`select 1`): Promise<ChaserError> {
  try {
    const error = await query(sql).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'the query should have failed').toBeDefined();
    const described = describeDbError(error, redact);
    expect(described, 'a database error a user can cause').toBeInstanceOf(ChaserError);
    return described!;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function expectNoSecret(error: ChaserError, url: string): void {
  const text = [error.message, ...error.details].join('\n');
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(url);
}

describe(`describeDbError on ${backend}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('a refused port: exit 69, says where and what to check, never the password or the URL', async () => {
    const port = await closedPort();
    const url = `postgres://chaser:${PASSWORD}@127.0.0.1:${port}/inventory`;
    const error = await failureOf(connect(url, OPTIONS));
    expect(error.exitCode).toBe(69);
    expect(error.message).toBe(`cannot reach Postgres at 127.0.0.1:${port} (connection refused)`);
    expect(error.details[0]).toMatch(/^fix: .*DATABASE_URL/);
    expectNoSecret(error, url);
  });

  it('appends what chaser was doing when it failed', async () => {
    const port = await closedPort();
    const sql = connect(`postgres://chaser:${PASSWORD}@127.0.0.1:${port}/inventory`, OPTIONS);
    const error = await sql`select 1`.then(
      () => undefined,
      (e: unknown) => e,
    );
    await sql.end({ timeout: 1 });
    expect(describeDbError(error, redact, 'while recording a delivered nudge')?.message).toBe(
      `cannot reach Postgres at 127.0.0.1:${port} (connection refused) while recording a delivered nudge`,
    );
  });

  it('an unparsable URL: exit 78 at connect time, without echoing the URL', () => {
    const url = `postgres://chaser:${PASSWORD}@[not-a-host/x`;
    let error: unknown;
    try {
      connect(url, OPTIONS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChaserError);
    expect((error as ChaserError).exitCode).toBe(78);
    expectNoSecret(error as ChaserError, url);
  });

  it('passes a ChaserError through, and describes nothing it does not know (a bug, not a user error: the caller rethrows it)', async () => {
    const known = new ChaserError(78, 'source.table: table "x" does not exist');
    expect(describeDbError(known, redact)).toBe(known);
    const syntax = await db.sql`select from where`.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(describeDbError(syntax, redact)).toBeUndefined();
    const notAnError = 'boom';
    expect(describeDbError(notAnError, redact)).toBeUndefined();
  });

  it("describes the pool's target without credentials", () => {
    const sql = connect(`postgres://chaser:${PASSWORD}@db.internal:6543/inventory`, OPTIONS);
    expect(describeTarget(sql)).toBe('db.internal:6543/inventory');
  });

  const realPostgresOnly = backend === 'postgres' ? describe : describe.skip;

  realPostgresOnly('server-side refusals (real Postgres only: PGlite accepts any user, password and database name)', () => {
    const withCredentials = (password: string, database?: string) => {
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.password = password;
      if (database) url.pathname = `/${database}`;
      return url.toString();
    };

    it('a wrong password: exit 69, names the user, never the password', async () => {
      const url = withCredentials(PASSWORD);
      const error = await failureOf(connect(url, OPTIONS));
      expect(error.exitCode).toBe(69);
      expect(error.message).toMatch(/^Postgres rejected the login: password authentication failed for user "/);
      expect(error.details[0]).toContain('PGPASSWORD');
      expectNoSecret(error, url);
    });

    it('a database that does not exist: exit 69, names it', async () => {
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = '/chaser_no_such_database';
      const error = await failureOf(connect(url.toString(), OPTIONS));
      expect(error.exitCode).toBe(69);
      expect(error.message).toBe('the database does not exist: database "chaser_no_such_database" does not exist');
    });

    it('a statement over database.statementTimeoutMs: exit 69, says which setting to raise', async () => {
      const error = await failureOf(connect(db.url, { ...OPTIONS, statementTimeoutMs: 100 }), (sql) => sql`select pg_sleep(5)`);
      expect(error.exitCode).toBe(69);
      expect(error.message).toBe('a database statement timed out');
      expect(error.details[0]).toContain('database.statementTimeoutMs');
    });

    it('a session ended by the server mid-run: exit 69, "run chaser again"', async () => {
      const sql = connect(db.url, OPTIONS);
      const error = await failureOf(sql, (s) => s`select pg_terminate_backend(pg_backend_pid())`);
      expect(error.exitCode).toBe(69);
      expect(error.message).toMatch(/^the connection to Postgres.* was closed while chaser was using it$/);
      expect(error.details[0]).toContain('run chaser again');
    });
  });

  it('tells a lost connection from other failures', () => {
    expect(isConnectionLost({ code: 'CONNECTION_CLOSED' })).toBe(true);
    expect(isConnectionLost({ code: '57P01' })).toBe(true);
    expect(isConnectionLost({ code: '42601' })).toBe(false);
    expect(isConnectionLost(new Error('x'))).toBe(false);
  });
});
