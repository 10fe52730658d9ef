import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { templateCacheDir, templateFile, templateKey, verifyTemplate } from '../../src/db/embedded-template.js';
import { listMigrations } from '../../src/db/migrate.js';

/**
 * The prepared data directory the embedded database boots from (src/db/embedded-template.ts):
 * built once, cached, checked before every use, and rebuilt (never loaded) when it does not match.
 * Runs on PGlite whatever TEST_DATABASE_URL says: this is the embedded backend's own machinery.
 */

const root = mkdtempSync(join(tmpdir(), 'chaser-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Boots, runs `fn` on a pool, stops. */
async function withEmbedded<T>(embedded: EmbeddedPostgres, fn: (sql: ReturnType<typeof connect>) => Promise<T>): Promise<T> {
  const sql = connect(embedded.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 1 });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
    await embedded.stop();
  }
}

const migratedTables = (sql: ReturnType<typeof connect>) =>
  sql<{ version: number }[]>`select version from chaser_migrations order by version`.then((rows) => rows.map((r) => r.version));

describe('embedded database template', () => {
  const cache = join(root, 'cache');
  let migratedFile: string;
  let emptyFile: string;
  let pristine: Buffer;

  beforeAll(async () => {
    migratedFile = templateFile(cache, 'migrated', await templateKey('migrated'));
    emptyFile = templateFile(cache, 'empty', await templateKey('empty'));
    const first = await startEmbeddedPostgres({ env: {}, cacheDir: cache });
    expect(first.template).toEqual({ kind: 'built', path: migratedFile });
    await first.stop();
    pristine = readFileSync(migratedFile);
  });

  it('is built on first use, cached, and loaded from the cache (verified) on the next boot: migrated', async () => {
    expect(await verifyTemplate(migratedFile, await templateKey('migrated'))).toMatchObject({ ok: true });
    const again = await startEmbeddedPostgres({ env: {}, cacheDir: cache });
    expect(again.template).toEqual({ kind: 'cache', path: migratedFile });
    const versions = await withEmbedded(again, migratedTables);
    expect(versions).toEqual((await listMigrations()).map((m) => m.version));
  });

  it('the empty template (built on the way to the migrated one) is a bare cluster: no chaser table', async () => {
    const empty = await startEmbeddedPostgres({ env: {}, cacheDir: cache, schema: 'empty' });
    expect(empty.template).toEqual({ kind: 'cache', path: emptyFile });
    const tables = await withEmbedded(empty, (sql) => sql`select to_regclass('chaser_migrations') as t`);
    expect(tables).toEqual([{ t: null }]);
  });

  it('a corrupt template (one byte flipped in the data) is detected by its checksum and rebuilt, never loaded', async () => {
    const dir = join(root, 'corrupt');
    mkdirSync(dir);
    const file = join(dir, migratedFile.split('/').pop()!);
    const corrupt = Buffer.from(pristine);
    const at = corrupt.length - 4096;
    corrupt[at] = (corrupt[at] ?? 0) ^ 0xff;
    writeFileSync(file, corrupt);
    copyFileSync(emptyFile, join(dir, emptyFile.split('/').pop()!));
    expect(await verifyTemplate(file, await templateKey('migrated'))).toEqual({ ok: false, reason: 'corrupt (checksum mismatch)' });

    const embedded = await startEmbeddedPostgres({ env: {}, cacheDir: dir });
    expect(embedded.template).toEqual({ kind: 'built', path: file, replaced: 'corrupt (checksum mismatch)' });
    await withEmbedded(embedded, migratedTables);
    expect(await verifyTemplate(file, await templateKey('migrated'))).toMatchObject({ ok: true });
  });

  it('a truncated template or one without a header is corrupt', async () => {
    const key = await templateKey('migrated');
    const truncated = join(root, 'truncated.template');
    writeFileSync(truncated, pristine.subarray(0, pristine.length - 1));
    expect(await verifyTemplate(truncated, key)).toEqual({ ok: false, reason: 'corrupt (wrong size)' });
    const headless = join(root, 'headless.template');
    writeFileSync(headless, pristine.subarray(pristine.indexOf('\n') + 1));
    expect(await verifyTemplate(headless, key)).toEqual({ ok: false, reason: 'corrupt (no template header)' });
    expect(await verifyTemplate(join(root, 'absent.template'), key)).toEqual({ ok: false, reason: 'missing' });
  });

  it('a stale template (built for another key under the same name) is detected and rebuilt; other versions are pruned', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    writeFileSync(join(dir, 'pglite-migrated-0123456789abcdef.template'), 'an older version');
    writeFileSync(join(dir, 'unrelated.txt'), 'not ours');
    const file = join(dir, migratedFile.split('/').pop()!);
    const key = await templateKey('migrated');
    const otherKey = key.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    writeFileSync(file, Buffer.from(pristine.toString('latin1').replace(key, otherKey), 'latin1'));
    copyFileSync(emptyFile, join(dir, emptyFile.split('/').pop()!));
    expect(await verifyTemplate(file, key)).toEqual({ ok: false, reason: 'stale (built for another version or schema)' });

    const embedded = await startEmbeddedPostgres({ env: {}, cacheDir: dir });
    expect(embedded.template).toEqual({ kind: 'built', path: file, replaced: 'stale (built for another version or schema)' });
    await embedded.stop();
    expect(await verifyTemplate(file, key)).toMatchObject({ ok: true });
    expect(readdirSync(dir).sort()).toEqual([emptyFile.split('/').pop(), file.split('/').pop(), 'unrelated.txt'].sort());
  });

  it('the key changes with a migration’s content or name, and differs between the two schemas', async () => {
    const migrations = await listMigrations();
    const dir = join(root, 'migrations');
    mkdirSync(dir);
    const altered = join(dir, '0001_init.sql');
    writeFileSync(altered, `${readFileSync(migrations[0]!.file, 'utf8')}\n-- one more line\n`);
    const base = await templateKey('migrated');
    expect(await templateKey('migrated', migrations)).toBe(base);
    expect(await templateKey('migrated', [{ ...migrations[0]!, file: new URL(`file://${altered}`) }, ...migrations.slice(1)])).not.toBe(
      base,
    );
    expect(await templateKey('migrated', [...migrations, { version: 99, name: '0099_more', file: new URL(`file://${altered}`) }])).not.toBe(
      base,
    );
    expect(await templateKey('empty')).not.toBe(base);
  });

  it('lives in $XDG_CACHE_HOME/chaser, else ~/.cache/chaser', () => {
    expect(templateCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/chaser');
    expect(templateCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/chaser');
    expect(templateCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/chaser');
  });
});
