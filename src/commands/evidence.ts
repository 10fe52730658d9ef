import { ChaserError, ExitCode } from '../exit-codes.js';
import { readCampaignPresence } from '../db/evidence.js';
import { verifyEvidencePack } from '../evidence/verify-pack.js';
import { writeEvidencePack, type PackRequest } from '../evidence/write-pack.js';
import type { CommandContext } from './context.js';
import type { Config } from '../config/types.js';
import { withHistoryDb, type HistoryOptions } from './history-db.js';

export interface EvidenceOptions extends HistoryOptions {
  out?: string;
  verify?: string;
  force?: boolean;
  json?: boolean;
}

/**
 * `chaser evidence --key K --out DIR`: the audit pack of one campaign, as files.
 * `chaser evidence --verify DIR`: exit 0 when the pack matches its manifest, 65 when it was
 * altered or is incomplete, naming what differs. Writes files only; posts nothing.
 */
export async function evidenceCommand(ctx: CommandContext, options: EvidenceOptions): Promise<ExitCode> {
  if (options.verify !== undefined) {
    if (options.out !== undefined || options.key !== undefined)
      throw new ChaserError(ExitCode.usage, '--verify checks an existing pack: it takes no --key or --out', [
        'fix: chaser evidence --verify DIR',
      ]);
    const result = await verifyEvidencePack(ctx.cwd, options.verify);
    const code = result.valid ? ExitCode.ok : ExitCode.dataInvalid;
    if (options.json)
      ctx.stdout(
        `${JSON.stringify({ command: 'evidence', verify: result.dir, valid: result.valid, checks: result.checks, exitCode: code }, null, 2)}\n`,
      );
    else {
      if (!options.quiet || !result.valid)
        for (const c of result.checks) if (!options.quiet || !c.ok) ctx.stdout(`${c.ok ? '✓' : '✗'} ${c.file}: ${c.detail}\n`);
      if (!options.quiet)
        ctx.stdout(
          result.valid
            ? `valid: ${result.dir} matches its manifest\n`
            : `exit 65: ${result.dir} does not match its manifest (altered or incomplete)\n`,
        );
    }
    return code;
  }
  if (!options.key)
    throw new ChaserError(ExitCode.usage, 'evidence needs --key <key_id> and --out <dir> (or --verify <dir>)', [
      'fix: chaser evidence --key kms/… --out evidence/',
    ]);
  if (!options.out)
    throw new ChaserError(ExitCode.usage, 'evidence needs --out <dir>: the directory the pack is written to', [
      'fix: add --out evidence-<key>/ (a new or empty directory)',
    ]);
  const keyId = options.key;
  const out = options.out;
  const now = new Date();
  const permalink = await workspaceUrl(ctx);
  const result = await withHistoryDb(ctx, options, async (sql, config: Config) => {
    const filter = { keyId, ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) };
    const presence = await readCampaignPresence(sql, config.source, filter);
    if (!presence.known) {
      throw new ChaserError(
        ExitCode.usage,
        `unknown key ${JSON.stringify(keyId)}: no consumer in the inventory and no history in chaser's tables`,
        ['fix: check the key id (`chaser report` lists every campaign chaser has recorded)'],
      );
    }
    if (presence.runs === 0 && presence.nudges === 0) {
      throw new ChaserError(
        ExitCode.usage,
        `no history for key ${JSON.stringify(keyId)}${options.from || options.to ? ' in that window' : ''}: no run covered it and no consumer of it was nudged`,
        ['fix: widen --from/--to, or run `chaser sweep` first: an evidence pack proves what chaser did'],
      );
    }
    const request: PackRequest = {
      sql,
      source: config.source,
      filter,
      out,
      cwd: ctx.cwd,
      force: options.force === true,
      now,
      version: ctx.version,
      permalink,
    };
    return writeEvidencePack(request);
  });
  const files = result.manifest.files;
  if (options.json)
    ctx.stdout(`${JSON.stringify({ command: 'evidence', out: result.out, manifest: result.manifest, exitCode: 0 }, null, 2)}\n`);
  else if (!options.quiet) {
    ctx.stdout(
      `wrote ${result.out}: ${files['consumers.csv']?.rows ?? 0} consumers, ${files['nudges.csv']?.rows ?? 0} nudges, ${files['runs.csv']?.rows ?? 0} runs` +
        `${'reason' in permalink ? ` (permalinks empty: ${permalink.reason})` : ''}\n`,
    );
  }
  return ExitCode.ok;
}

/** The workspace URL from auth.test, for permalinks without a call per nudge; or why there is none. */
async function workspaceUrl(ctx: CommandContext): Promise<PackRequest['permalink']> {
  const token = ctx.env['SLACK_BOT_TOKEN'];
  if (!token) return { reason: 'SLACK_BOT_TOKEN is not set' };
  const { createSlackClients } = await import('../slack/deliver/client.js');
  const client = createSlackClients({
    token,
    ...(ctx.env['SLACK_API_URL'] ? { apiUrl: ctx.env['SLACK_API_URL'] } : {}),
    slack: { timeoutMs: 10_000, retries: 1, concurrency: 1 },
    log: ctx.log,
  });
  try {
    const auth = await client.read.auth.test();
    const url = typeof auth.url === 'string' && /^https:\/\/[^/]+\/$/.test(auth.url) ? auth.url : null;
    return url ? { base: url } : { reason: 'auth.test returned no workspace URL' };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    return { reason: `auth.test failed${code ? ` (${code})` : ''}` };
  }
}
