import postgres from 'postgres';
import { printable } from '../printable.js';
import { ChaserError, ExitCode } from '../exit-codes.js';
import type { Redact } from '../redact.js';

export type Sql = postgres.Sql;

export interface ConnectOptions {
  connectTimeoutSeconds: number;
  statementTimeoutMs: number;
  /** Pool size; postgres.js' default (10) when absent. */
  max?: number;
  /** Called once per statement sent (for query-count assertions and benchmarks). */
  onQuery?: () => void;
  /**
   * Called whenever one of the pool's connections closes, ours (sql.end()) or the server's
   * (terminated, failover, network): how a session-scoped lock's holder learns it lost the lock.
   */
  onClose?: () => void;
  /** Seconds before postgres.js recycles an idle connection (its default: 30–60 min); null = never. */
  maxLifetimeSeconds?: number | null;
}

/**
 * A postgres.js pool. Nothing is sent until the first query, so connection failures surface
 * there (wrap it with describeDbError). With `url` undefined postgres.js falls back to the
 * standard PG* variables (PGHOST, PGUSER, PGPASSWORD, …), so a password need not sit in a file.
 */
export function connect(url: string | undefined, options: ConnectOptions): Sql {
  const contact = { made: false };
  const settings: postgres.Options<Record<string, postgres.PostgresType>> = {
    connect_timeout: options.connectTimeoutSeconds,
    connection: {
      // A startup parameter, so it holds for every statement of every pooled connection.
      statement_timeout: options.statementTimeoutMs,
      application_name: 'chaser',
    },
    // Notices ("relation already exists, skipping") are noise on a CLI's stderr.
    onnotice: () => {},
    // Called for the server's parameter reports, which arrive once a login succeeded: how
    // untilFirstContact learns that a host answered.
    onparameter: () => {
      contact.made = true;
    },
    // postgres.js only has this hook per statement. Side effect worth knowing: with `debug` set,
    // its errors carry the query text and parameters as enumerable fields, so raw errors must
    // never be printed (describeDbError builds its own messages).
    ...(options.onQuery ? { debug: () => options.onQuery?.() } : {}),
    ...(options.max !== undefined ? { max: options.max } : {}),
    ...(options.onClose ? { onclose: () => options.onClose?.() } : {}),
    ...(options.maxLifetimeSeconds !== undefined ? { max_lifetime: options.maxLifetimeSeconds } : {}),
  };
  try {
    const sql = url === undefined ? postgres(settings) : postgres(url, settings);
    contacts.set(sql, contact);
    return sql;
  } catch (error) {
    // Node's URL parser puts the whole input (password included) on the error: never rethrow it.
    // A URIError is postgres.js decoding a stray "%" in the user or password ("URI malformed").
    if ((error instanceof TypeError && (error as { code?: unknown }).code === 'ERR_INVALID_URL') || error instanceof URIError) {
      throw new ChaserError(ExitCode.config, 'the database URL is not a valid URL', [
        // Written without a "scheme://user:secret@" shape, which the redactor would mask.
        'fix: set DATABASE_URL or database.url to a URL like postgres://user@host:5432/dbname, with the password after the user as user:password@ and its special characters (% @ : / ?) percent-encoded, or put the password in PGPASSWORD',
      ]);
    }
    throw error;
  }
}

const contacts = new WeakMap<Sql, { made: boolean }>();

/**
 * Runs a pool's first database step with a bound on reaching a server. postgres.js 3.4.9 never
 * gives up on a URL with several hosts when none answers: while "another host" remains it swallows
 * each connect error and starts over, forever (porsager/postgres#1174), and a CronJob would hang
 * until its deadline. So when no host has answered within connect_timeout per host (as libpq
 * would take, plus a second), the pool is ended, which rejects the step, and the step's error
 * becomes exit 69 naming every host. One host needs no watch: postgres.js reports that failure
 * itself. (A pool that reached a server once and then loses every host later can still wait:
 * that is the lost-connection path, where the run stops at its next statement.)
 */
export async function untilFirstContact<T>(sql: Sql, step: () => Promise<T>): Promise<T> {
  const contact = contacts.get(sql);
  const hosts = sql.options.host.length;
  if (hosts < 2 || contact === undefined || contact.made) return step();
  const deadlineSeconds = (sql.options.connect_timeout ?? 30) * hosts + 1;
  let expired = false;
  const watchdog = setTimeout(() => {
    if (contact.made) return;
    expired = true;
    void sql.end({ timeout: 0 }).catch(() => {});
  }, deadlineSeconds * 1000);
  try {
    return await step();
  } catch (error) {
    if (!expired) throw error;
    throw new ChaserError(
      ExitCode.unavailable,
      `cannot reach Postgres at any of ${describeTarget(sql)}: no host answered within ${deadlineSeconds} s`,
      [`fix: check that Postgres is running and reachable, and that ${WHERE_IT_POINTS} points at it`],
    );
  } finally {
    clearTimeout(watchdog);
  }
}

/** "host:port/dbname" of a pool: where it points, with no credentials, for messages. */
export function describeTarget(sql: Sql): string {
  const { host, port, database } = sql.options;
  const hosts = host.map((h, i) => `${h}:${port[i] ?? port[0] ?? 5432}`).join(',');
  return `${hosts}/${database}`;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const CONNECTION_LOST = new Set(['57P01', '57P02', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE']);
const WHERE_IT_POINTS = 'DATABASE_URL (or database.url, or the PG* variables)';

/**
 * Turns the database errors a user can cause into a ChaserError (exit 69) that says what to fix,
 * and passes a ChaserError through; undefined for anything else, which the caller rethrows as the
 * bug it is (`throw describeDbError(error, redact) ?? error`). Messages are built here, never
 * copied whole from the driver, so no password, URL or query parameter can leak; `redact` is a
 * second net over the parts that do come from the server (user and database names).
 * `context` ("while recording a delivered nudge") is appended to the sentence.
 */
export function describeDbError(error: unknown, redact: Redact, context?: string): ChaserError | undefined {
  if (error instanceof ChaserError) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return undefined;
  const at = endpointOf(error);
  const fail = (message: string, fix: string) =>
    new ChaserError(ExitCode.unavailable, redact(context ? `${message} ${context}` : message), [redact(`fix: ${fix}`)]);

  if (UNREACHABLE.has(code)) {
    const why =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : code === 'ECONNREFUSED'
          ? 'connection refused'
          : 'no answer before the timeout';
    return fail(
      `cannot reach Postgres${at} (${why})`,
      `check that Postgres is running and reachable, and that ${WHERE_IT_POINTS} points at it`,
    );
  }
  if (code === '28P01' || code === '28000') {
    return fail(
      `Postgres rejected the login: ${serverMessage(error)}`,
      'check the user and password in DATABASE_URL or database.url (or PGUSER / PGPASSWORD), and that pg_hba.conf lets this host in',
    );
  }
  if (code === '3D000') {
    return fail(`the database does not exist: ${serverMessage(error)}`, `create the database, or correct its name in ${WHERE_IT_POINTS}`);
  }
  if (code === '53300' || code === '57P03') {
    return fail(
      `Postgres is not accepting connections: ${serverMessage(error)}`,
      'try again shortly; if it persists, free connections or raise max_connections',
    );
  }
  if (CONNECTION_LOST.has(code)) {
    return fail(
      `the connection to Postgres${at} was closed while chaser was using it`,
      'the server restarted, failed over or ended the session: run chaser again (nudges already recorded stay recorded)',
    );
  }
  if (code === '57014') {
    return fail(
      'a database statement timed out',
      'raise database.statementTimeoutMs, or add the index `chaser doctor` suggests for the source table',
    );
  }
  return undefined;
}

/**
 * True when the error means the connection it came from is gone. A reserved connection in that
 * state must not be queried again nor handed back to the pool: postgres.js 3.4.9 then writes to a
 * null socket from a timer, an uncaught TypeError that kills the process (porsager/postgres#1208).
 */
export function isConnectionLost(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && CONNECTION_LOST.has(code);
}

/** " at host:port" from a network error (Node's and postgres.js' carry both); "" for server errors. */
function endpointOf(error: unknown): string {
  const { address, hostname, port } = error as { address?: unknown; hostname?: unknown; port?: unknown };
  const host = typeof address === 'string' ? address : typeof hostname === 'string' ? hostname : undefined;
  if (!host) return '';
  return typeof port === 'number' || typeof port === 'string' ? ` at ${host}:${port}` : ` at ${host}`;
}

/** The server's own sentence (it names the user or database, never the password), made printable: it quotes names from the server. */
function serverMessage(error: unknown): string {
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? printable(message) : 'no details';
}
