import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Who used the machine's CPUs during a measured run: the chaser process, this bench process (the
 * fake Slack lives here), PostgreSQL, and everything else. On a small shared machine "everything
 * else" is what makes a number untrustworthy, so every whole-CLI measurement carries it.
 */
export interface CpuShare {
  wallMs: number;
  /** CPU time of the whole machine that was not idle, ms (all cores). */
  machineBusyMs: number;
  /** This process (the fake Slack, the bench's own pools). */
  benchMs: number;
  /** Every `postgres` process, exited backends included (reaped into the postmaster's child times). */
  postgresMs: number;
  /** machineBusy − chaser − bench − postgres: other work on the machine meanwhile. */
  othersMs: number;
  /** /proc/loadavg's 1-minute average as the run started. */
  loadAverageAtStart: number;
}

interface Snapshot {
  at: number;
  busyTicks: number;
  postgresTicks: number;
  bench: NodeJS.CpuUsage;
  load: number;
}

/** Length of one /proc CPU tick. */
export const TICK_MS = 1000 / clockTicksPerSecond();

export async function withCpuShare<T>(run: () => Promise<T>, chaserCpuMs: (result: T) => number): Promise<{ result: T; cpu: CpuShare }> {
  const before = snapshot();
  const result = await run();
  const after = snapshot();
  const bench = process.cpuUsage(before.bench);
  const benchMs = (bench.user + bench.system) / 1000;
  const machineBusyMs = (after.busyTicks - before.busyTicks) * TICK_MS;
  const postgresMs = (after.postgresTicks - before.postgresTicks) * TICK_MS;
  const chaser = chaserCpuMs(result);
  return {
    result,
    cpu: {
      wallMs: after.at - before.at,
      machineBusyMs,
      benchMs,
      postgresMs,
      othersMs: Math.max(0, machineBusyMs - chaser - benchMs - postgresMs),
      loadAverageAtStart: before.load,
    },
  };
}

function snapshot(): Snapshot {
  return {
    at: performance.now(),
    busyTicks: machineBusyTicks(),
    postgresTicks: postgresTicks(),
    bench: process.cpuUsage(),
    load: loadAverage(),
  };
}

/** /proc/stat's first line: user nice system idle iowait irq softirq steal …; busy = all but idle and iowait. */
function machineBusyTicks(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return total - (fields[3] ?? 0) - (fields[4] ?? 0);
}

/** utime + stime + cutime + cstime of every process named postgres. */
function postgresTicks(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const rest = stat.slice(close + 2).split(' ');
    ticks += Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
  }
  return ticks;
}

function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
