import { createHash } from 'node:crypto';
import type { Config } from './types.js';

/**
 * SHA-256 of the validated config as canonical JSON (keys sorted), without the database URL (it
 * may hold a password, and where the database is does not change what chaser does). Recorded
 * per run, so an auditor can tell which runs shared one configuration.
 */
export function configHash(config: Config): string {
  const { database, ...rest } = config;
  const { url: _url, ...databaseSettings } = database;
  return createHash('sha256')
    .update(canonicalJson({ ...rest, database: databaseSettings }))
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
