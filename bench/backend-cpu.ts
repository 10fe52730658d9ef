import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { TICK_MS } from './cpu-share.js';
import type { Sql } from './scratch-db.js';

export interface BackendCpuSampler {
  /** Takes one more sample now (call it while the step's connections are still open). */
  sample(): Promise<void>;
  /** Stops sampling; CPU time (user + system) of every backend seen on the database, ms. */
  stop(): Promise<number>;
}

/**
 * CPU time the server spent on one database: every `intervalMs` the backends connected to it
 * (parallel workers included) are listed from pg_stat_activity and their CPU read from
 * /proc/<pid>/stat; each keeps its highest reading. CPU time, unlike elapsed time, barely moves
 * when other work shares the machine. (pg_stat_database.active_time is no use here: a cursor's
 * fetches restart the "active" clock, so a streamed read shows as the length of its last batch.)
 * A backend loses at most its last interval; sample() before closing a pool closes that gap.
 */
export function sampleBackendCpu(admin: Sql, database: string, intervalMs = 50): BackendCpuSampler {
  const ticksByPid = new Map<number, number>();
  let stopped = false;
  const sample = async () => {
    const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`;
    for (const { pid } of rows) {
      const ticks = backendTicks(pid);
      if (ticks !== undefined && ticks > (ticksByPid.get(pid) ?? -1)) ticksByPid.set(pid, ticks);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await delay(intervalMs);
    }
  })();
  return {
    sample,
    async stop() {
      stopped = true;
      await loop;
      let ticks = 0;
      for (const value of ticksByPid.values()) ticks += value;
      return ticks * TICK_MS;
    },
  };
}

function backendTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined; // exited between the listing and the read
  }
}
