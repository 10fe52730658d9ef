import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ChaserError, ExitCode } from '../exit-codes.js';
import { CHAIN_GENESIS, FILES, HEADERS, PACK_FORMAT, chainLink, parseCsvRecords, type Chain, type Manifest } from './files.js';

export interface VerifyResult {
  dir: string;
  valid: boolean;
  /** One line per file: ok, or what differs. */
  checks: { file: string; ok: boolean; detail: string }[];
}

/**
 * Checks a pack against its manifest: every listed file present with its SHA-256 and size, no
 * file added, and the nudge and answer rows' hash chains intact from the genesis to the manifest's head (so an
 * edited row is named, not just "the file differs"). Streams every file: bounded memory.
 */
export async function verifyEvidencePack(cwd: string, target: string): Promise<VerifyResult> {
  const dir = resolve(cwd, target);
  const entries = await readdir(dir).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR')
      throw new ChaserError(ExitCode.usage, `${dir} is not a directory`, ['fix: pass the directory `chaser evidence --out` wrote']);
    throw error;
  });
  const checks: VerifyResult['checks'] = [];
  let manifest: Manifest | undefined;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    checks.push({
      file: 'manifest.json',
      ok: false,
      detail: entries.includes('manifest.json') ? 'not valid JSON' : 'missing: the pack is incomplete',
    });
    return { dir, valid: false, checks };
  }
  if (manifest.format !== PACK_FORMAT || typeof manifest.files !== 'object' || manifest.files === null) {
    checks.push({ file: 'manifest.json', ok: false, detail: `not a ${PACK_FORMAT} manifest` });
    return { dir, valid: false, checks };
  }
  const required = Object.values(FILES);
  for (const name of required) if (!(name in manifest.files)) checks.push({ file: name, ok: false, detail: 'not listed in manifest.json' });
  for (const [name, entry] of Object.entries(manifest.files)) {
    if (!entries.includes(name) || name.includes('/') || name.includes('\\')) {
      checks.push({ file: name, ok: false, detail: 'missing: the pack is incomplete' });
      continue;
    }
    const actual = await hashFile(join(dir, name));
    if (actual.sha256 !== entry.sha256 || actual.bytes !== entry.bytes) {
      checks.push({
        file: name,
        ok: false,
        detail: `altered: SHA-256 ${actual.sha256.slice(0, 12)}… (${actual.bytes} bytes), manifest says ${String(entry.sha256).slice(0, 12)}… (${entry.bytes} bytes)`,
      });
    } else {
      checks.push({ file: name, ok: true, detail: `SHA-256 matches${entry.rows !== undefined ? ` (${entry.rows} rows)` : ''}` });
    }
  }
  for (const name of entries) {
    if (name !== 'manifest.json' && !(name in manifest.files))
      checks.push({ file: name, ok: false, detail: 'not in manifest.json: added after the pack was written' });
  }
  if (entries.includes(FILES.nudges)) checks.push(await checkChain(join(dir, FILES.nudges), CHAINS.nudges, manifest.nudgeChain));
  // A pack written before answers were read back has no answer chain: its answers.csv must be the header alone.
  if (entries.includes(FILES.answers))
    checks.push(
      await checkChain(
        join(dir, FILES.answers),
        CHAINS.answers,
        manifest.answerChain ?? { algorithm: 'sha256', genesis: CHAIN_GENESIS, rows: 0, head: CHAIN_GENESIS },
      ),
    );
  return { dir, valid: checks.every((c) => c.ok), checks };
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The two chained files: their header, and how a row is named when its link breaks. */
const CHAINS = {
  nudges: {
    file: FILES.nudges,
    header: HEADERS.nudges,
    name: (record: string[]) => `log id ${record[0] ?? '?'}, consumer ${JSON.stringify(record[3] ?? '')}`,
  },
  answers: {
    file: FILES.answers,
    header: HEADERS.answers,
    name: (record: string[]) => `event id ${record[0] ?? '?'}, consumer ${JSON.stringify(record[3] ?? '')}`,
  },
} as const;

/** Re-links the chain row by row; names the first row whose link does not follow from the one before. */
async function checkChain(
  path: string,
  spec: (typeof CHAINS)[keyof typeof CHAINS],
  chain: Chain | undefined,
): Promise<VerifyResult['checks'][number]> {
  const file = `${spec.file} chain`;
  let previous = CHAIN_GENESIS;
  let rows = 0;
  let header = true;
  let pending = '';
  const check = (record: string[]): string | null => {
    if (header) {
      header = false;
      return record.join(',') === spec.header.join(',') ? null : 'the header row differs';
    }
    rows += 1;
    const link = record.at(-1) ?? '';
    const expected = chainLink(previous, record.slice(0, -1));
    if (link !== expected)
      return `row ${rows} (${spec.name(record)}) does not follow from the row before it: edited, inserted or a row removed before it`;
    previous = link;
    return null;
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    pending += chunk as string;
    // Complete records only: the last \r\n outside quotes ends what can be parsed now.
    const cut = lastRecordEnd(pending);
    if (cut < 0) continue;
    for (const record of parseCsvRecords(pending.slice(0, cut))) {
      const problem = check(record);
      if (problem) return { file, ok: false, detail: problem };
    }
    pending = pending.slice(cut);
  }
  if (pending !== '')
    for (const record of parseCsvRecords(pending)) {
      const problem = check(record);
      if (problem) return { file, ok: false, detail: problem };
    }
  if (!chain || chain.rows !== rows || chain.head !== previous) {
    return {
      file,
      ok: false,
      detail: `${rows} rows ending in ${previous.slice(0, 12)}…, manifest says ${chain?.rows ?? '?'} rows ending in ${String(chain?.head ?? '').slice(0, 12)}…: rows removed or added at the end`,
    };
  }
  return { file, ok: true, detail: `${rows} rows linked, head ${previous.slice(0, 12)}…` };
}

/** Index just past the last record separator that is outside quotes, or -1. */
function lastRecordEnd(text: string): number {
  let quoted = false;
  let end = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '\r' && text[i + 1] === '\n') end = i + 2;
  }
  return end;
}
