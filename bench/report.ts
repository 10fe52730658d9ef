import type { BenchResults, CliRun, SizeResult, SweepRun } from './results.js';

/** Prints the results as Markdown: the tables BENCHMARKS.md is made of, then the targets, then the plans. */
export function printReport(results: BenchResults, write: (text: string) => void): void {
  const { machine, options } = results;
  const out: string[] = [
    '## Machine',
    '',
    `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB RAM; Node ${machine.node}; PostgreSQL ${machine.postgres}.`,
    `Build measured: dist/ as of ${results.build.atStart}` +
      (results.build.atEnd === results.build.atStart
        ? ' (unchanged during the run).'
        : `, **rebuilt during the run** (${results.build.atEnd}): sizes may have measured different builds.`),
    `Paced sweeps: fake Slack latency ${options.latencyMs} ms, 1 post/s/channel enforced, ${options.retryAfterChannels} channel(s) answered ` +
      `429 Retry-After ${options.retryAfterSeconds} s once; slack.concurrency ${options.concurrencyUsed}` +
      `${options.concurrency === undefined ? ' (chaser default)' : ' (--concurrency)'}.`,
    '',
    ...demoSection(results),
    "## Database work (best of 2 each; wall = client elapsed, CPU = the server backends' CPU time)",
    '',
    '| size | outstanding / due | floor read | floor write | floor total (CPU) | chaser read | chaser writes (statements) | chaser SQL total (CPU) | ratio wall | ratio CPU | floor read + ORDER BY | chaser read + plan |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results.sizes) {
    out.push(
      `| ${r.size.label} | ${int(r.outstanding)} / ${int(r.due)} | ${s(r.floor.read.ms)} | ${s(r.floor.write.ms)} | ${s(r.floor.total.ms)} (${s(r.floor.total.cpuMs)}) | ` +
        `${s(r.chaserSql.read.ms)} | ${s(r.chaserSql.writes.ms)} (${int(r.chaserSql.writeStatements)}) | ${s(r.chaserSql.total.ms)} (${s(r.chaserSql.total.cpuMs)}) | ` +
        `${x(r.chaserSql.total.ms / r.floor.total.ms)} | ${x(r.chaserSql.total.cpuMs / r.floor.total.cpuMs)} | ${s(r.sortedRead.ms)} | ${s(r.readAndPlan.ms)} |`,
    );
  }

  out.push(
    '',
    '## Whole runs of the built CLI (spawn to exit, default verbosity, stdout to /dev/null)',
    '',
    `| size | dry-run | sweep, Slack 0 ms | its DB CPU (÷ floor DB CPU) | sweep, Slack ${options.latencyMs} ms paced | its Slack phase | peak RSS dry-run / sweep 0 ms / paced | chaser CPU dry-run / sweep 0 ms / paced |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results.sizes) {
    out.push(
      `| ${r.size.label} | ${s(r.dryRun.wallMs)} | ${s(r.sweepFast.wallMs)} | ${s(r.sweepFast.dbCpuMs)} (${x(r.sweepFast.dbCpuMs / r.floor.total.cpuMs)}) | ` +
        `${s(r.sweep.wallMs)} | ${s(r.sweep.slack.phaseMs)} | ${mb(r.dryRun.peakRssMb)} / ${mb(r.sweepFast.peakRssMb)} / ${mb(r.sweep.peakRssMb)} | ` +
        `${s(cpu(r.dryRun))} / ${s(cpu(r.sweepFast))} / ${s(cpu(r.sweep))} |`,
    );
  }

  out.push(
    '',
    '## Counts (from the sweep with -v: its `run stats` line; Slack requests as the fake recorded them)',
    '',
    '| size | queries = record statements (teams) + connections + fixed | Slack calls (chaser) | requests at the fake | sweep 0 ms with -v (without) | stderr lines with -v | peak RSS with -v |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results.sizes) {
    const v = r.sweepFastVerbose;
    out.push(
      `| ${r.size.label} | ${v.queries ?? '?'} = ${int(v.recordStatements)} (${int(r.size.teams)}) + ${v.sessions} + ${fixedQueries(r) ?? '?'} | ${v.slackCalls ?? '?'} | ${v.slack.requests} | ` +
        `${s(v.wallMs)} (${s(r.sweepFast.wallMs)}) | ${int(v.stderrLines)} | ${mb(v.peakRssMb)} |`,
    );
  }

  out.push(
    '',
    '## Slack phase (first post arriving → last post answered)',
    '',
    '| size | concurrency | latency | phase | posts (429s) | most in flight | time per post per slot | latency-only bound (teams × latency ÷ concurrency) | injected Retry-After: waited |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const r of results.sizes) {
    for (const run of [r.sweepFast, r.sweep, ...r.sweepAtOtherConcurrency]) out.push(slackRow(r, run));
  }

  out.push(
    '',
    '## Who used the CPUs during each run (core-seconds; the machine has ' + `${machine.cpus})`,
    '',
    '| size | run | wall | chaser | bench + fake Slack | PostgreSQL (all databases) | other processes | load average at start |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results.sizes) {
    const runs: Array<[string, CliRun]> = [
      ['dry-run', r.dryRun],
      ['sweep 0 ms', r.sweepFast],
      ['sweep 0 ms -v', r.sweepFastVerbose],
      ...(r.sweepFastCapped ? [[`sweep 0 ms, heap cap ${r.sweepFastCapped.heapCapMb} MB`, r.sweepFastCapped] as [string, CliRun]] : []),
      [`sweep ${options.latencyMs} ms`, r.sweep],
      ...r.sweepAtOtherConcurrency.map((run): [string, CliRun] => [`sweep ${options.latencyMs} ms, concurrency ${run.concurrency}`, run]),
    ];
    for (const [name, run] of runs) {
      out.push(
        `| ${r.size.label} | ${name} | ${s(run.wallMs)} | ${sec(cpu(run))} | ${sec(run.cpu.benchMs)} | ${sec(run.cpu.postgresMs)} | ${sec(run.cpu.othersMs)} | ${run.cpu.loadAverageAtStart.toFixed(2)} |`,
      );
    }
  }

  out.push('', '## Targets', '', ...targets(results));

  for (const r of results.sizes) {
    out.push(
      '',
      `## The sweep's read at ${r.size.label}`,
      '',
      '```sql',
      r.plans.statement,
      '```',
      '',
      'Bench data (most of the table outstanding):',
      '```',
      r.plans.benchData,
      '```',
      '',
      'Late campaign (95 % of the pending rows confirmed, in a rolled-back transaction):',
      '```',
      r.plans.lateCampaign,
      '```',
    );
  }
  write(`${out.join('\n')}\n`);
}

function slackRow(r: SizeResult, run: SweepRun): string {
  const t = run.slack;
  const perSlot = t.delivered === 0 ? Number.NaN : (t.phaseMs * run.concurrency) / t.posts;
  const bound = (r.size.teams * run.latencyMs) / run.concurrency;
  const retries = t.retries
    .map((retry) => `${s(retry.waitedMs)} (${retry.deliveredElsewhereMeanwhile} posts elsewhere meanwhile)`)
    .join('; ');
  return (
    `| ${r.size.label} | ${run.concurrency} | ${run.latencyMs} ms | ${s(t.phaseMs)} | ${int(t.posts)} (${t.rateLimited}) | ${t.maxInFlight} | ` +
    `${s(perSlot)} | ${s(bound)} | ${retries || '—'} |`
  );
}

function targets(results: BenchResults): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');
  for (const r of results.sizes.filter((z) => z.size.consumers >= 100_000)) {
    const wall = r.chaserSql.total.ms / r.floor.total.ms;
    const cpuRatio = r.chaserSql.total.cpuMs / r.floor.total.cpuMs;
    const whole = r.sweepFast.dbCpuMs / r.floor.total.cpuMs;
    const paced = r.sweep.dbCpuMs / r.floor.total.cpuMs;
    // The verdict is what whole sweeps cost the server; the replay issues one write per team, the
    // most a sweep can (a sweep's group commit merges teams delivered while a write is in flight).
    lines.push(
      `- Database work of a sweep within 2× the floor at ${r.size.label}: ${verdict(whole <= 2 && paced <= 2)}: a whole sweep costs the server ` +
        `${x(whole)} the floor's CPU with Slack at 0 ms, ${x(paced)} paced at ${r.sweep.latencyMs} ms; chaser's SQL replayed with one write per team ` +
        `takes ${x(wall)} the floor's elapsed time and ${x(cpuRatio)} its server CPU.`,
    );
  }
  const fixed = results.sizes.map(fixedQueries);
  const constant = fixed.every((o) => o !== undefined && o === fixed[0]);
  const atMostOnePerTeam = results.sizes.every((r) => r.sweepFastVerbose.recordStatements <= r.size.teams);
  lines.push(
    `- Query count O(teams): ${verdict(constant && atMostOnePerTeam)}: queries − record statements − connections opened = ${fixed.map((o) => o ?? '?').join(', ')} ` +
      `at ${results.sizes.map((r) => r.size.label).join(', ')} (connections opened: ${results.sizes.map((r) => r.sweepFastVerbose.sessions).join(', ')}); ` +
      `record statements ${results.sizes.map((r) => `${int(r.sweepFastVerbose.recordStatements)} for ${int(r.size.teams)} teams`).join(', ')} ` +
      '(teams accepted while a write is in flight share the next one).',
  );
  for (const r of results.sizes.filter((z) => z.size.teams === 2000)) {
    for (const run of [r.sweep, ...r.sweepAtOtherConcurrency]) {
      lines.push(
        `- Slack phase under 15 s at ${run.latencyMs} ms and 2,000 teams, concurrency ${run.concurrency}: ${verdict(run.slack.phaseMs < 15_000)}: ` +
          `${s(run.slack.phaseMs)} (latency alone: 2,000 × ${run.latencyMs} ms ÷ ${run.concurrency} = ${s((2000 * run.latencyMs) / run.concurrency)}).`,
      );
    }
  }
  for (const r of results.sizes) {
    const t = r.sweep.slack;
    const natural = t.rateLimited - t.retries.length;
    const honoured = t.retries.every((retry) => retry.waitedMs >= retry.retryAfterMs - 5 && retry.deliveredElsewhereMeanwhile > 0);
    lines.push(
      `- Slack pacing at ${r.size.label}: ${int(t.delivered)} messages to ${int(r.size.teams + 1)} channels, at most ${t.maxInFlight} in flight, ` +
        `${natural} 429s from the 1/s/channel rule; Retry-After honoured without stalling the other channels: ${verdict(honoured)}.`,
    );
  }
  for (const r of results.sizes.filter((z) => z.size.consumers >= 1_000_000)) {
    const peak = Math.max(r.dryRun.peakRssMb, r.sweepFast.peakRssMb, r.sweep.peakRssMb);
    const capped = r.sweepFastCapped;
    lines.push(
      `- Peak RSS under 300 MB at ${r.size.label}: ${verdict(peak < 300)}: ${mb(peak)} ` +
        `(dry-run ${mb(r.dryRun.peakRssMb)}, sweep ${mb(r.sweepFast.peakRssMb)} / ${mb(r.sweep.peakRssMb)}; with -v ${mb(r.sweepFastVerbose.peakRssMb)})` +
        (capped
          ? `; under node --max-old-space-size=${capped.heapCapMb}: ${capped.exitCode === 3 ? `${mb(capped.peakRssMb)} in ${s(capped.wallMs)}` : `exit ${capped.exitCode} (did not fit)`}.`
          : '.'),
    );
  }
  if (results.startup) {
    const st = results.startup;
    lines.push(
      `- \`chaser --help\` within 150 ms of \`node -e 0\`: ${verdict(st.overheadMs <= 150)}: medians of ${st.runs}: ` +
        `${s(st.helpMedianMs)} vs ${s(st.nodeMedianMs)} (+${s(st.overheadMs)}).`,
    );
  }
  return lines;
}

/** dry-run --demo (cold and warm medians), its steps, and the PGlite suite's wall time. */
function demoSection(results: BenchResults): string[] {
  const lines: string[] = [];
  const d = results.demo;
  if (d) {
    const w = d.warmMedian;
    lines.push(
      '## `dry-run --demo` (spawn to exit, stdout to /dev/null)',
      '',
      '| run | wall | peak RSS | CPU |',
      '| --- | ---: | ---: | ---: |',
      `| first (empty template cache) | ${s(d.cold.wallMs)} | ${mb(d.cold.peakRssMb)} | ${s(d.cold.userCpuMs + d.cold.systemCpuMs)} |`,
      `| median of ${d.warm.length} warm | ${s(w.wallMs)} | ${mb(w.peakRssMb)} | ${s(w.cpuMs)} |`,
      '',
      `- Demo at most 1.0 s and 300 MB (warm medians): ${w.wallMs <= 1000 && w.peakRssMb <= 300 ? '**met**' : '**missed**'}.`,
      `- Warm runs, wall: ${d.warm.map((r) => s(r.wallMs)).join(', ')}; peak RSS: ${d.warm.map((r) => mb(r.peakRssMb)).join(', ')}.`,
      '',
    );
    if (d.steps) {
      lines.push('| step (in process, this dist/) | cost |', '| --- | ---: |');
      for (const [step, value] of Object.entries(d.steps)) lines.push(`| ${step} | ${step.endsWith('MB') ? value.toFixed(1) : s(value)} |`);
      lines.push('');
    }
  }
  if (results.suite) {
    lines.push(
      `Test suite on PGlite (\`vitest run\`, TEST_DATABASE_URL unset): ${s(results.suite.wallMs)}, exit ${results.suite.exitCode}.`,
      '',
    );
  }
  return lines;
}

/** Statements of a sweep that are neither a team's write nor a connection's type lookup: should not vary with size. */
function fixedQueries(r: SizeResult): number | undefined {
  const v = r.sweepFastVerbose;
  return v.queries === undefined ? undefined : v.queries - v.recordStatements - v.sessions;
}

function cpu(run: CliRun): number {
  return run.userCpuMs + run.systemCpuMs;
}

function s(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

function sec(ms: number): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '—';
}

function x(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—';
}

function mb(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(0)} MB` : '?';
}

function int(value: number): string {
  return value.toLocaleString('en-US');
}
