import type { Sql } from './connect.js';

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
