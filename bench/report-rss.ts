import { writeFileSync } from 'node:fs';

/**
 * Preloaded into the chaser child (`node --import …/report-rss.js bin/chaser.js …`): on exit it
 * writes the process's own peak RSS and CPU time to CHASER_BENCH_USAGE_FILE. The kernel's peak
 * (getrusage ru_maxrss) is the only honest "peak": sampling /proc from outside misses spikes, and
 * GNU time is not installed everywhere.
 */
const target = process.env['CHASER_BENCH_USAGE_FILE'];
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({
        maxRssKb: usage.maxRSS,
        userCpuMs: usage.userCPUTime / 1000,
        systemCpuMs: usage.systemCPUTime / 1000,
        uptimeMs: process.uptime() * 1000,
      }),
    );
  });
}
