import type { DatabaseConfig } from '../config/types.js';
import { passwordOf, type Redactor } from '../redact.js';
import { connect, type ConnectOptions, type Sql } from './connect.js';

/** Where a command's pool points and how patient it is. */
export type DatabaseTarget = Pick<DatabaseConfig, 'url' | 'connectTimeoutSeconds' | 'statementTimeoutMs'>;

export interface OpenedDatabase {
  sql: Sql;
  /**
   * Ends the pool. `failed`: nothing of ours is in flight, and a connection the server broke can
   * keep a graceful end waiting for an answer that never comes, so it closes at once.
   */
  close(options?: { failed?: boolean }): Promise<void>;
}

/**
 * "Open the database for a command", written once: the URL's password is taught to the redactor
 * before anything can echo it, then the pool is made (it connects on its first query).
 */
export function openDatabase(
  target: DatabaseTarget,
  redactor: Pick<Redactor, 'add'>,
  options: Pick<ConnectOptions, 'max' | 'onQuery'> = {},
): OpenedDatabase {
  passwordOf(target.url).forEach(redactor.add);
  const sql = connect(target.url, {
    connectTimeoutSeconds: target.connectTimeoutSeconds,
    statementTimeoutMs: target.statementTimeoutMs,
    ...options,
  });
  return {
    sql,
    close: async ({ failed = false } = {}) => sql.end({ timeout: failed ? 0 : 5 }).catch(() => {}),
  };
}

/** openDatabase for the length of `use`, closed however it ends. */
export async function withDatabase<T>(
  target: DatabaseTarget,
  redactor: Pick<Redactor, 'add'>,
  options: Pick<ConnectOptions, 'max' | 'onQuery'>,
  use: (sql: Sql) => Promise<T>,
): Promise<T> {
  const db = openDatabase(target, redactor, options);
  let failed = false;
  try {
    return await use(db.sql);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await db.close({ failed });
  }
}
