import { ChaserError, ExitCode } from '../exit-codes.js';
import { readResolutionStats, readSnapshots } from '../db/snapshots.js';
import { buildCampaignReports, renderReportCsv, renderReportTable, reportToJson } from '../report/campaign-report.js';
import { renderReportHtml } from '../report/report-html.js';
import type { CommandContext } from './context.js';
import { writeFileAtomically } from '../evidence/output.js';
import { withHistoryDb, type HistoryOptions } from './history-db.js';

export interface ReportOptions extends HistoryOptions {
  json?: boolean;
  csv?: boolean;
  html?: string;
}

/**
 * `chaser report`: the campaign history from chaser's own tables (snapshots written by every
 * sweep and digest, resolutions). Reads only; posts nothing. One output format per run.
 */
export async function reportCommand(ctx: CommandContext, options: ReportOptions): Promise<ExitCode> {
  const formats = [options.json && '--json', options.csv && '--csv', options.html !== undefined && '--html'].filter(Boolean);
  if (formats.length > 1)
    throw new ChaserError(ExitCode.usage, `${formats.join(' and ')} cannot be combined`, ['fix: choose one output format per run']);
  const filter = {
    ...(options.key ? { keyId: options.key } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.to ? { to: options.to } : {}),
  };
  const reports = await withHistoryDb(ctx, options, async (sql, config) => {
    const [snapshots, stats] = await Promise.all([readSnapshots(sql, filter), readResolutionStats(sql, filter)]);
    return buildCampaignReports(
      snapshots,
      stats,
      config.tiers.map((t) => t.name),
    );
  });
  if (options.key && reports.length === 0) {
    throw new ChaserError(
      ExitCode.usage,
      `no history for key ${JSON.stringify(options.key)}${options.from || options.to ? ' in that window' : ''}`,
      ['fix: check the key id (`chaser report` without --key lists every campaign), or run `chaser sweep` / `chaser digest` to record one'],
    );
  }
  if (options.json) ctx.stdout(`${JSON.stringify(reportToJson(reports), null, 2)}\n`);
  else if (options.csv) ctx.stdout(renderReportCsv(reports));
  else if (options.html !== undefined) {
    const path = await writeFileAtomically(
      ctx.cwd,
      options.html,
      renderReportHtml(reports, { generatedAt: new Date(), version: ctx.version }),
    );
    if (!options.quiet) ctx.stdout(`wrote ${path} (${reports.length} campaign${reports.length === 1 ? '' : 's'})\n`);
  } else if (!options.quiet) ctx.stdout(renderReportTable(reports));
  return ExitCode.ok;
}
