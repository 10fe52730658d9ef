import type { Redact } from './redact.js';

/**
 * chaser's logger. Logs go to stderr (stdout carries only results); every line passes the redactor.
 * -q: errors only; default: warnings and errors; -v: everything. With -v and a non-TTY stderr
 * (a log collector), each line is one JSON object; a person at a terminal gets plain lines.
 */
export type Verbosity = 'quiet' | 'normal' | 'verbose';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

export interface Log {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  readonly verbosity: Verbosity;
  /** Lines are JSON objects (so extra lines belong in fields, not on their own). */
  readonly json: boolean;
}

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const threshold: Record<Verbosity, number> = { quiet: 0, normal: 1, verbose: 3 };

export interface LogOptions {
  verbosity: Verbosity;
  /** One JSON object per line instead of human text. */
  json: boolean;
  write: (line: string) => void;
  redact: Redact;
  clock?: () => Date;
}

export function createLog(options: LogOptions): Log {
  const clock = options.clock ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (rank[level] > threshold[options.verbosity]) return;
    let line: string;
    if (options.json) {
      line = JSON.stringify({ time: clock().toISOString(), level, msg: message, ...fields });
    } else {
      const prefix = level === 'error' ? 'error: ' : level === 'warn' ? 'warning: ' : '';
      const extra = fields && Object.keys(fields).length > 0 ? ` ${formatFields(fields)}` : '';
      line = `chaser: ${prefix}${message}${extra}`;
    }
    options.write(`${options.redact(line)}\n`);
  };
  return {
    verbosity: options.verbosity,
    json: options.json,
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
  };
}

function formatFields(fields: LogFields): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/** A logger that drops everything (library defaults, tests). */
export const silentLog: Log = {
  verbosity: 'quiet',
  json: false,
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
};
