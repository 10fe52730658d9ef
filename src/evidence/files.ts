import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { sanitizeText } from '../slack/render/escape.js';
import { csvLine } from '../report/csv.js';

export { csvLine, parseCsvRecords } from '../report/csv.js';

export const PACK_FORMAT = 'chaser-evidence/1';
/** The chain starts from this value: row i's link is sha256(link i-1 + "\n" + row i without its link). */
export const CHAIN_GENESIS = '0'.repeat(64);

export const FILES = {
  consumers: 'consumers.csv',
  nudges: 'nudges.csv',
  answers: 'answers.csv',
  runs: 'runs.csv',
  summary: 'summary.md',
} as const;

export const HEADERS = {
  consumers: ['consumer_id', 'name', 'team', 'deadline', 'final_state', 'state_since', 'nudges', 'first_nudged_at', 'last_nudged_at'],
  nudges: ['log_id', 'run_id', 'nudged_at', 'consumer_id', 'team', 'tier', 'channel', 'message_ts', 'permalink', 'chain'],
  answers: [
    'event_id',
    'recorded_at',
    'run_id',
    'consumer_id',
    'team',
    'kind',
    'source',
    'actor',
    'channel',
    'message_ts',
    'text_or_reaction',
    'until',
    'detail',
    'permalink',
    'chain',
  ],
  runs: ['run_id', 'command', 'as_of', 'started_at', 'finished_at', 'chaser_version', 'config_hash', 'exit_code', 'outcome'],
} as const;

export interface FileEntry {
  sha256: string;
  bytes: number;
  /** Data rows (the header not counted); absent for summary.md. */
  rows?: number;
}

export interface Manifest {
  format: typeof PACK_FORMAT;
  keyId: string;
  from: string | null;
  to: string | null;
  generatedAt: string;
  chaserVersion: string;
  files: Record<string, FileEntry>;
  nudgeChain: Chain;
  /** Absent in packs written before answers were read back: their answers.csv is the header alone. */
  answerChain?: Chain;
}

/** A hash chain over one file's rows in order: what makes a later edit of any row, or a dropped row, detectable. */
export interface Chain {
  algorithm: 'sha256';
  genesis: string;
  rows: number;
  head: string;
}

/** A file written through a stream with back-pressure, hashed and counted as it goes: memory stays bounded. */
export class HashedWriter {
  private readonly stream: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  rows = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'wx' });
  }

  async write(text: string): Promise<void> {
    const chunk = Buffer.from(text, 'utf8');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    // once(…, 'drain') rejects when the stream emits 'error' meanwhile (ENOSPC, EIO).
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async row(cells: readonly string[]): Promise<void> {
    this.rows += 1;
    await this.write(csvLine(cells));
  }

  async close(): Promise<FileEntry> {
    this.stream.end();
    await once(this.stream, 'finish');
    return { sha256: this.hash.digest('hex'), bytes: this.bytes };
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** The chain link of one nudge or answer row: what makes a later edit of any row, or a dropped row, detectable. */
export function chainLink(previous: string, cells: readonly string[]): string {
  return createHash('sha256')
    .update(`${previous}\n${csvLine(cells)}`)
    .digest('hex');
}

/** Inventory text in Markdown: printable, one line, no markup. */
export function mdText(text: string | null, max = 120): string {
  return sanitizeText(text ?? '', max, '(none)').replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

export const iso = (date: Date | null | undefined): string => (date ? date.toISOString() : '');
