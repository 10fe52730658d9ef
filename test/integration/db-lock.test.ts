import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { holdSweepLock, SWEEP_LOCK, tryAcquireSweepLock } from '../../src/db/lock.js';
import { ChaserError, ExitCode } from '../../src/exit-codes.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';

describe(`sweep lock on ${backend}`, () => {
  let db: TestDatabase;
  const pools: Sql[] = [];
  /** A second client, as a second `chaser sweep` process would be. */
  const anotherClient = () => {
    const sql = connect(db.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 2 });
    pools.push(sql);
    return sql;
  };

  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterEach(async () => {
    // A timeout: a pool whose reserved connection was never released would otherwise wait forever.
    await Promise.all(pools.splice(0).map((sql) => sql.end({ timeout: 1 })));
  });
  afterAll(async () => {
    await db?.stop();
  });

  const sweepLocksHeld = async () => {
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_locks
      where locktype = 'advisory' and granted and classid = ${SWEEP_LOCK.classId}::oid and objid = ${SWEEP_LOCK.objectId}::oid
          and database = (select oid from pg_database where datname = current_database())`;
    return row?.n;
  };

  it('is acquired when free and visible in pg_locks; release unlocks, twice is harmless, and the pool ends promptly', async () => {
    const pool = anotherClient();
    const lock = await tryAcquireSweepLock(pool);
    expect(lock).not.toBeNull();
    expect(await sweepLocksHeld()).toBe(1);
    await lock!.release();
    await lock!.release();
    expect(await sweepLocksHeld()).toBe(0);
    // A reserved connection never handed back would make end() wait for its timeout.
    await pool.end();
  });

  const realPostgresOnly = backend === 'postgres' ? describe : describe.skip;

  realPostgresOnly(
    'between two clients (real Postgres only: PGlite serves every connection from one backend session, so advisory locks never conflict there)',
    () => {
      it('a second sweep gets null while the first holds the lock, and gets it once released', async () => {
        const first = anotherClient();
        const second = anotherClient();
        const held = await tryAcquireSweepLock(first);
        expect(held).not.toBeNull();
        expect(await tryAcquireSweepLock(second)).toBeNull();
        expect(await tryAcquireSweepLock(second)).toBeNull();

        await held!.release();
        const next = await tryAcquireSweepLock(second);
        expect(next).not.toBeNull();
        await next!.release();
      });

      it("is freed when the holder's connection dies (a crashed or killed sweep)", async () => {
        const holder = anotherClient();
        const other = anotherClient();
        const held = await tryAcquireSweepLock(holder);
        expect(held).not.toBeNull();

        const [row] = await other<{ pid: number }[]>`
        select pid from pg_locks
        where locktype = 'advisory' and granted and classid = ${SWEEP_LOCK.classId}::oid and objid = ${SWEEP_LOCK.objectId}::oid
          and database = (select oid from pg_database where datname = current_database())`;
        expect(row).toBeDefined();
        // With a timeout, pg_terminate_backend waits until the backend has exited (PG 14+).
        expect(await other`select pg_terminate_backend(${row!.pid}::int, 10000) as terminated`).toEqual([{ terminated: true }]);

        const taken = await tryAcquireSweepLock(other);
        expect(taken).not.toBeNull();
        await taken!.release();
        // The dead holder's release must neither throw nor touch the dead connection (postgres.js
        // would crash the process), and its pool must keep working.
        await expect(held!.release()).resolves.toBeUndefined();
        expect(await holder`select 1 as ok`).toEqual([{ ok: 1 }]);
      });

      it("is freed when the holder tears its pool down without releasing (an aborted run's sql.end({ timeout }))", async () => {
        const holder = anotherClient();
        const other = anotherClient();
        expect(await tryAcquireSweepLock(holder)).not.toBeNull();
        await holder.end({ timeout: 0 });
        const taken = await tryAcquireSweepLock(other);
        expect(taken).not.toBeNull();
        await taken!.release();
      });
    },
  );
  describe('holdSweepLock (the lock as a run holds it, on a pool of its own)', () => {
    const poolOptions = { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000 };

    it('holds the lock until released, and a released lock is free again', async () => {
      const lock = await holdSweepLock(db.url, poolOptions);
      expect(lock).not.toBeNull();
      expect(await sweepLocksHeld()).toBe(1);
      expect(() => lock!.assertHeld()).not.toThrow();
      await lock!.release({ failed: false });
      expect(lock!.lost).toBe(false);
      expect(await sweepLocksHeld()).toBe(0);
      await lock!.release({ failed: false });
    });

    realPostgresOnly('against another session (real Postgres only)', () => {
      it('returns null while another session holds the lock', async () => {
        const other = anotherClient();
        const held = await tryAcquireSweepLock(other);
        expect(await holdSweepLock(db.url, poolOptions)).toBeNull();
        await held!.release();
      });

      it('knows when the server ended its session: lost, and assertHeld stops the run with exit 69', async () => {
        const lock = await holdSweepLock(db.url, poolOptions);
        expect(lock).not.toBeNull();
        await db.sql`
          select pg_terminate_backend(pid, 10000) from pg_locks
          where locktype = 'advisory' and granted and classid = ${SWEEP_LOCK.classId}::oid and objid = ${SWEEP_LOCK.objectId}::oid
            and database = (select oid from pg_database where datname = current_database())`;
        await expect.poll(() => lock!.lost).toBe(true);
        let thrown: unknown;
        try {
          lock!.assertHeld();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ChaserError);
        expect((thrown as ChaserError).exitCode).toBe(ExitCode.unavailable);
        await expect(lock!.release({ failed: false })).resolves.toBeUndefined();
      });
    });
  });
});
