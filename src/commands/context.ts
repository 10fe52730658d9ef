import type { Log } from '../log.js';
import type { Redactor } from '../redact.js';

/**
 * Everything a command may touch of the outside world, handed down from cli.ts (the only file
 * that reads process.*). Commands never exit; they return an outcome.
 */
export interface CommandContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  log: Log;
  /** Every line printed passes through it; learns secrets found later (a config file's URL password). */
  redact: Redactor;
  /** Aborted on SIGTERM / SIGINT. */
  signal: AbortSignal;
  version: string;
}

export interface CommonOptions {
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export interface RunOptions extends CommonOptions {
  json?: boolean;
  now?: Date;
  failOn?: string;
  team?: string[];
  key?: string;
  /** sweep --no-digest sets this to false. */
  digest?: boolean;
  demo?: boolean;
}
