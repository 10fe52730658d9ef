import { ChaserError, ExitCode } from '../exit-codes.js';
import { connect, untilFirstContact, type ConnectOptions, type Sql } from './connect.js';

/**
 * Advisory lock key of `chaser sweep`: the pair (0x63686173 = "chas", 2), visible in pg_locks as
 * classid 1667785075, objid 2, objsubid 2. One per database: two sweeps at once would both nudge
 * the same teams.
 */
export const SWEEP_LOCK = { classId: 1667785075, objectId: 2 } as const;

export interface SweepLock {
  release(): Promise<void>;
}

/**
 * Takes the sweep lock without waiting, or returns null when another session holds it (the caller
 * exits 75). Session-scoped, on a connection reserved for the whole run: a pooled connection could
 * be handed to other queries, and the lock must live exactly as long as the session that took it,
 * so a crashed or killed sweep frees it when its connection dies.
 *
 * Needs a pool of at least two connections: release() asks another one whether the lock's session
 * is still alive. On PGlite every connection shares one backend session, so this never returns
 * null there.
 */
export async function tryAcquireSweepLock(sql: Sql): Promise<SweepLock | null> {
  const session = await sql.reserve();
  let taken: { acquired: boolean; pid: number } | undefined;
  try {
    [taken] = await session<{ acquired: boolean; pid: number }[]>`
      select pg_try_advisory_lock(${SWEEP_LOCK.classId}::int4, ${SWEEP_LOCK.objectId}::int4) as acquired,
             pg_backend_pid() as pid`;
  } finally {
    if (taken?.acquired !== true) session.release();
  }
  if (!taken?.acquired) return null;
  const { pid } = taken;

  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      // If the session died (server restart, failover, pg_terminate_backend) its lock died with it,
      // and its connection must be left alone: postgres.js 3.4.9 crashes the process on a write to a
      // reserved connection whose socket closed (porsager/postgres#1208). So ask through the pool
      // first, and touch the reserved connection only when its session still holds the lock.
      const alive = await stillHeldBy(sql, pid).catch(() => false);
      if (!alive) return;
      try {
        await session`select pg_advisory_unlock(${SWEEP_LOCK.classId}::int4, ${SWEEP_LOCK.objectId}::int4)`;
      } finally {
        session.release();
      }
    },
  };
}

async function stillHeldBy(sql: Sql, pid: number): Promise<boolean> {
  const [row] = await sql<{ held: boolean }[]>`
    select exists (
      select 1 from pg_catalog.pg_locks
      where locktype = 'advisory' and granted and pid = ${pid}::int
        and database = (select oid from pg_catalog.pg_database where datname = current_database())
        and classid = ${SWEEP_LOCK.classId}::oid and objid = ${SWEEP_LOCK.objectId}::oid and objsubid = 2
    ) as held`;
  return row?.held === true;
}

/** The sweep lock as a run holds it: check it before each post, release it once at the end. */
export interface HeldSweepLock {
  /** Throws (exit 69) once the connection holding the lock has closed: no post may follow. */
  assertHeld(): void;
  /** Whether the lock's connection closed under the run. */
  readonly lost: boolean;
  /**
   * Unlocks (unless the lock is already gone) and closes the lock's pool. `failed`: the run is
   * failing, nothing of ours is in flight, so the pool closes at once instead of gracefully.
   */
  release(options: { failed: boolean }): Promise<void>;
}

/**
 * The sweep lock's whole lifecycle on a pool of its own. If the server drops its connection
 * (failover, pg_terminate_backend, idle_session_timeout) the lock is gone and this pool says so,
 * where the main pool would quietly reconnect and let the sweep go on unlocked. Two connections,
 * not one: postgres.js fetches array types on a connection's first query through the pool, which
 * would wait forever behind the one reserved connection.
 *
 * Returns null when another session holds the lock. Errors reaching the server are the driver's
 * (the caller describes them); the pool is closed on every path that does not return the lock.
 */
export async function holdSweepLock(url: string | undefined, options: ConnectOptions): Promise<HeldSweepLock | null> {
  let holding = false;
  let lost = false;
  let connectionClosed = () => {};
  const gone = new Promise<void>((resolve) => (connectionClosed = resolve));
  const sql = connect(url, {
    ...options,
    max: 2,
    // Never recycled: on a sweep longer than postgres.js' default lifetime, that close would read as a lost lock.
    maxLifetimeSeconds: null,
    onClose: () => {
      if (holding) lost = true;
      connectionClosed();
    },
  });
  let lock: SweepLock | null;
  try {
    lock = await untilFirstContact(sql, () => tryAcquireSweepLock(sql));
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw error;
  }
  if (!lock) {
    await sql.end({ timeout: 0 }).catch(() => {});
    return null;
  }
  holding = true;
  const acquired = lock;
  return {
    assertHeld() {
      if (lost) throw lockLostError();
    },
    get lost() {
      return lost;
    },
    async release({ failed }) {
      if (!holding) return;
      holding = false; // from here on a closing lock connection is ours, not a loss
      // No unlock for a lost lock: postgres.js must not be handed a query on a connection the server
      // closed (it crashes the process from a timer instead of rejecting). The unlock also races the
      // close, for a connection the server is closing right now, which answers neither way.
      if (!lost) await Promise.race([acquired.release().catch(() => {}), gone]);
      // A connection the server broke can keep a graceful end waiting for an answer that never comes.
      await sql.end({ timeout: failed || lost ? 0 : 5 }).catch(() => {});
    },
  };
}

function lockLostError(): ChaserError {
  return new ChaserError(
    ExitCode.unavailable,
    'the connection to Postgres holding the sweep lock was closed mid-run: stopped before the next post, so two sweeps cannot overlap',
    [
      'fix: the server restarted, failed over or ended the session; run chaser again (nudges already recorded stay recorded, the rest are sent then)',
    ],
  );
}
